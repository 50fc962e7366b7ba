// The ranking page. Model outputs are untrusted: they only ever go into textContent.
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  // The token leaves the address bar (and so history, bookmarks and shared screens) at once; the
  // tab keeps it, and the server's cookie lets a reload in again.
  const token = params.get("t") || sessionStorage.getItem("rlhf4j-token") || "";
  sessionStorage.setItem("rlhf4j-token", token);
  params.delete("t");
  history.replaceState(null, "", "?" + params.toString());
  let labeler = params.get("labeler") || "";
  let item = null; // {id, prompt, responses, truncated}
  let order = []; // response indices, best first
  let tied = []; // tied[i]: position i is tied with position i - 1
  let flags = []; // per response index: "", "unsafe" or "broken"
  let selected = 0; // a position in order
  let ordered = false; // whether the labeler has put the cards in order
  const $ = (id) => document.getElementById(id);

  async function call(method, path, body) {
    const init = { method: method, headers: { "X-Token": token, "X-Labeler": labeler } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const json = await res.json();
    if (!res.ok) {
      throw new Error(json.error || ("HTTP " + res.status));
    }
    return json;
  }

  function say(text) {
    $("message").textContent = text;
  }

  function show(state) {
    const p = state.progress;
    $("progress").textContent =
      p.done + " of " + p.total + " prompts ranked" + (labeler ? " · " + p.mine + " by you" : "");
    const same = item !== null && state.item !== null && item.id === state.item.id;
    item = state.item;
    $("task").hidden = item === null;
    $("done").hidden = item !== null;
    if (item === null) {
      if (!state.closed) {
        setTimeout(start, 10000); // items held for others may come free; the round may close
      }
      const complete = state.complete;
      $("closed").hidden = !state.closed;
      $("close").hidden = !complete || state.closed;
      $("undo-done").hidden = state.closed;
      $("done-text").textContent = state.closed
        ? "The round is closed. Thank you."
        : complete
          ? "Every prompt is ranked. The round stays open " + minutes(state.closes_in_seconds)
            + " so a last ranking can still be undone; close it when everyone is done."
          : "Nothing left for you now: the rest is being ranked by others. Thank you.";
      return;
    }
    if (same) {
      return; // the same item again (a failed submit): keep the labeler's work
    }
    $("prompt").textContent = item.prompt;
    // Cards come in a shuffled order, none ranked yet, so the file's order (often the order the
    // responses were sampled in) cannot bias the ranking, and Enter alone submits nothing.
    order = shuffled(item.responses.map((_, i) => i), item.id + ":" + labeler);
    tied = order.map(() => false);
    flags = order.map(() => "");
    selected = 0;
    ordered = false;
    render();
  }

  function minutes(seconds) {
    return seconds >= 120 ? "about " + Math.round(seconds / 60) + " more minutes"
      : "another " + seconds + " seconds";
  }

  // A fixed shuffle per labeler and item (a reload shows the same order): Fisher-Yates driven by
  // a small hash of the seed text.
  function shuffled(list, seedText) {
    let h = 2166136261;
    for (let i = 0; i < seedText.length; i++) {
      h = Math.imul(h ^ seedText.charCodeAt(i), 16777619) >>> 0;
    }
    const out = list.slice();
    for (let i = out.length - 1; i > 0; i--) {
      h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
      h = Math.imul(h ^ (h >>> 13), 3266489909) >>> 0;
      const j = h % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  function ranks() {
    const out = new Array(order.length);
    let rank = 1;
    for (let pos = 0; pos < order.length; pos++) {
      if (pos > 0 && !tied[pos]) {
        rank = pos + 1;
      }
      out[order[pos]] = rank;
    }
    return out;
  }

  function render() {
    const list = $("responses");
    list.replaceChildren();
    const r = ranks();
    order.forEach((index, pos) => {
      const li = document.createElement("li");
      li.draggable = true;
      li.tabIndex = 0;
      li.dataset.pos = String(pos);
      li.dataset.response = String(index);
      li.className = (pos === selected ? "selected" : "") + (tied[pos] ? " tied" : "");
      const rank = document.createElement("span");
      rank.className = "rank";
      rank.textContent = ordered ? "#" + r[index] + (tied[pos] ? " =" : "") : "?";
      const text = document.createElement("div");
      text.className = "response";
      if (item.turns) {
        // An episode, turn by turn: the environment's turns (tool results) set apart.
        for (const turn of item.turns[index]) {
          const part = document.createElement("pre");
          part.className = turn.policy ? "policy" : "env";
          part.textContent = turn.text;
          text.append(part);
        }
      } else {
        const part = document.createElement("pre");
        part.textContent = item.responses[index];
        text.append(part);
      }
      const flag = document.createElement("span");
      flag.className = "flag";
      flag.textContent = flags[index];
      li.append(rank, text, flag);
      if (item.truncated[index]) {
        const cut = document.createElement("span");
        cut.className = "cut";
        cut.textContent = "(cut off)";
        li.append(cut);
      }
      li.addEventListener("click", () => { selected = pos; render(); });
      li.addEventListener("dragstart", (e) => {
        e.dataTransfer.setData("text/plain", String(pos));
        e.dataTransfer.effectAllowed = "move";
      });
      li.addEventListener("dragover", (e) => e.preventDefault());
      li.addEventListener("drop", (e) => {
        e.preventDefault();
        const from = parseInt(e.dataTransfer.getData("text/plain"), 10);
        if (!Number.isNaN(from)) {
          move(from, pos);
        }
      });
      list.append(li);
    });
    $("submit").disabled = !ordered;
    $("order-hint").hidden = ordered;
  }

  function move(from, to) {
    if (to < 0 || to >= order.length || from === to) {
      return;
    }
    const [moved] = order.splice(from, 1);
    order.splice(to, 0, moved);
    tied = order.map(() => false); // a move breaks ties, which were about neighbours
    selected = to;
    ordered = true;
    render();
  }

  async function act(path, body) {
    try {
      say("");
      show(await call("POST", path, body));
    } catch (e) {
      say(e.message);
    }
  }

  function submit() {
    if (item === null) {
      return;
    }
    if (!ordered) {
      say("Put the responses in order first: drag them, or move them with the arrow keys"
        + " (press o if the order shown is already your ranking).");
      return;
    }
    act("/api/submit", {
      labeler: labeler, item: item.id, ranks: ranks(), flags: order.map((_, i) => flags[i]),
      ordered: true });
  }

  function close() {
    act("/api/close", { labeler: labeler });
  }

  function skip() {
    if (item !== null) {
      act("/api/skip", { labeler: labeler, item: item.id });
    }
  }

  function undo() {
    act("/api/undo", { labeler: labeler });
  }

  document.addEventListener("keydown", (e) => {
    if (item === null || document.activeElement === $("name")) {
      if (e.key === "u" && item === null && labeler) { undo(); }
      return;
    }
    const k = e.key;
    if (k >= "1" && k <= "9" && parseInt(k, 10) <= order.length) {
      selected = parseInt(k, 10) - 1;
      render();
    } else if (k === "ArrowUp" || k === "k") {
      move(selected, selected - 1);
    } else if (k === "ArrowDown" || k === "j") {
      move(selected, selected + 1);
    } else if (k === "t" && selected > 0) {
      tied[selected] = !tied[selected];
      ordered = true;
      render();
    } else if (k === "o") {
      ordered = true; // the order shown is the labeler's ranking, said deliberately
      render();
    } else if (k === "f") {
      const index = order[selected];
      flags[index] = flags[index] === "" ? "unsafe" : flags[index] === "unsafe" ? "broken" : "";
      render();
    } else if (k === "Enter") {
      submit();
    } else if (k === "s") {
      skip();
    } else if (k === "u") {
      undo();
    } else {
      return;
    }
    e.preventDefault();
  });

  async function start() {
    try {
      show(await call("GET", "/api/state?labeler=" + encodeURIComponent(labeler)));
    } catch (e) {
      say(e.message);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("submit").addEventListener("click", submit);
    $("skip").addEventListener("click", skip);
    $("undo").addEventListener("click", undo);
    $("undo-done").addEventListener("click", undo);
    $("close").addEventListener("click", close);
    $("keep").addEventListener("click", () => { ordered = true; render(); });
    if (labeler) {
      start();
    } else {
      $("who").hidden = false;
      $("progress").textContent = "";
      $("start").addEventListener("click", () => {
        labeler = $("name").value.trim();
        params.set("labeler", labeler);
        history.replaceState(null, "", "?" + params.toString()); // still without the token
        $("who").hidden = true;
        start();
      });
    }
  });
})();
