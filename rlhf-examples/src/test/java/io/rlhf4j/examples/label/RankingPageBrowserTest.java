package io.rlhf4j.examples.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rlhf4j.data.EpisodeDemonstration.Turn;
import io.rlhf4j.data.Ranking;
import io.rlhf4j.data.read.Jsonl;
import io.rlhf4j.data.read.ReadOptions;
import io.rlhf4j.label.LabelItem;
import io.rlhf4j.label.LabelServer;
import io.rlhf4j.label.LabelSession;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;

/**
 * The ranking page in a real browser (Debian's chromium through its chromedriver), used as a person
 * would: by keyboard and by drag, with a tie, a reload, and a server killed mid-round. Without
 * chromium these tests are reported as skipped, with the reason.
 */
class RankingPageBrowserTest {
  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File DRIVER = new File("/usr/bin/chromedriver");
  private static final String TOKEN = "browser-test-token-0123";
  private static final String HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>";

  @TempDir Path dir;
  private Path rankings;
  private int port;
  private LabelServer server;
  private ChromeDriver browser;

  @BeforeEach
  void start() throws IOException {
    assumeTrue(
        CHROMIUM.canExecute() && DRIVER.canExecute(),
        "no browser: install Debian's chromium and chromium-driver (.ci/run does)");
    rankings = dir.resolve("rankings.jsonl");
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = serve();
    browser = newBrowser();
  }

  private static ChromeDriver newBrowser() {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,900");
    return new ChromeDriver(
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).build(), options);
  }

  private LabelServer serve() throws IOException {
    List<LabelItem> items =
        List.of(
            new LabelItem(
                0,
                "Once upon a time, a cat",
                List.of("found a friend.", HOSTILE, "slept all day."),
                List.of(false, false, true)),
            new LabelItem(1, "Tom had a", List.of("red ball.", "big dog."), List.of(false, false)),
            new LabelItem(2, "The sun", List.of("was warm.", "was hot."), List.of(false, false)));
    LabelSession session = LabelSession.open(items, rankings, 0, 0, Clock.systemUTC());
    return LabelServer.start(session, InetAddress.getLoopbackAddress(), port, TOKEN);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
  }

  private void open(String labeler) {
    browser.get(server.link() + "&labeler=" + labeler);
    waitFor("#responses li");
  }

  private void waitFor(String css) {
    until(() -> !browser.findElements(By.cssSelector(css)).isEmpty(), css);
  }

  private void waitForProgress(String text) {
    until(() -> browser.findElement(By.id("progress")).getText().startsWith(text), text);
  }

  // The page answers asynchronously (fetch); poll for what a person would wait to see.
  private static void until(BooleanSupplier condition, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("the page never showed " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private List<String> shownResponses() {
    return browser.findElements(By.cssSelector("#responses li pre")).stream()
        .map(WebElement::getText)
        .toList();
  }

  private List<Ranking> saved() throws IOException {
    return Jsonl.rankings(rankings, ReadOptions.strict()).readAll();
  }

  // Moves the cards by keyboard, as a person would, until they read best first as in `wanted`.
  private void arrange(List<String> wanted) {
    for (int target = 0; target < wanted.size(); target++) {
      int at = shownResponses().indexOf(wanted.get(target));
      Actions keys = new Actions(browser).sendKeys(String.valueOf(at + 1));
      for (int i = at; i > target; i--) {
        keys.sendKeys(Keys.ARROW_UP);
      }
      keys.perform();
    }
    assertThat(shownResponses()).isEqualTo(wanted);
  }

  @Test
  void episodesAreShownTurnByTurnWithToolResultsSetApart() throws Exception {
    server.close();
    Path episodes = dir.resolve("episodes.jsonl");
    List<List<Turn>> turns =
        List.of(
            List.of(
                new Turn("<tool_call>{\"name\": \"secret_word\"}</tool_call>", true),
                new Turn("<tool_response>cat</tool_response>" + HOSTILE, false),
                new Turn(" The pet was a cat.", true)),
            List.of(new Turn(" The pet was a dog.", true)));
    List<String> joined =
        turns.stream().map(t -> t.stream().map(Turn::text).reduce("", String::concat)).toList();
    LabelSession session =
        LabelSession.open(
            List.of(
                new LabelItem(0, "Lily had a secret pet.", joined, List.of(false, false), turns)),
            episodes,
            0,
            0,
            Clock.systemUTC());
    server = LabelServer.start(session, InetAddress.getLoopbackAddress(), port, TOKEN);
    open("cy");
    List<WebElement> env = browser.findElements(By.cssSelector("#responses li pre.env"));
    assertThat(env).hasSize(1);
    assertThat(env.get(0).getText()).isEqualTo("<tool_response>cat</tool_response>" + HOSTILE);
    assertThat(browser.findElements(By.cssSelector("#responses li pre.policy")))
        .extracting(WebElement::getText)
        .containsExactlyInAnyOrder(
            "<tool_call>{\"name\": \"secret_word\"}</tool_call>",
            " The pet was a cat.",
            " The pet was a dog.");
    assertThat(browser.findElements(By.cssSelector("#responses img"))).isEmpty();
    Files.write(
        Path.of("target", "label-page-episode.png"), browser.getScreenshotAs(OutputType.BYTES));
    // Ranked by keyboard: the episode that used the tool first. What is saved is the text.
    List<WebElement> cards = browser.findElements(By.cssSelector("#responses li"));
    int toolFirst = cards.get(0).getText().contains("tool_call") ? 1 : 2;
    Actions keys = new Actions(browser).sendKeys(String.valueOf(toolFirst));
    if (toolFirst == 2) {
      keys.sendKeys(Keys.ARROW_UP);
    }
    keys.sendKeys("o").sendKeys(Keys.ENTER).perform(); // o: this order is my ranking
    until(() -> Files.exists(episodes) && episodesSaved(episodes), "the ranking saved");
    Ranking r = Jsonl.rankings(episodes, ReadOptions.strict()).readAll().get(0);
    assertThat(r.responses()).isEqualTo(joined);
    assertThat(r.ranks()).containsExactly(1, 2);
  }

  private static boolean episodesSaved(Path file) {
    try {
      return !Files.readString(file).isBlank();
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  void rankByKeyboardWithATieAndSeeHostileTextAsText() throws Exception {
    open("ann");

    // The token left the address bar as soon as the page loaded.
    assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN).contains("labeler=ann");
    assertThat(browser.findElement(By.id("progress")).getText()).startsWith("0 of 3");
    assertThat(browser.findElement(By.id("prompt")).getText()).isEqualTo("Once upon a time, a cat");
    // The hostile response is shown as the characters it is: no image, no extra script, no alert.
    assertThat(shownResponses()).contains(HOSTILE);
    assertThat(browser.findElements(By.cssSelector("#responses img"))).isEmpty();
    assertThat(browser.findElements(By.tagName("script"))).hasSize(1);
    assertThat(browser.findElement(By.cssSelector("body")).getText()).contains("(cut off)");
    // Not ranked yet: no numbers on the cards, and Enter submits nothing but a hint.
    assertThat(browser.findElement(By.cssSelector("#responses .rank")).getText()).isEqualTo("?");
    new Actions(browser).sendKeys(Keys.ENTER).perform();
    until(
        () -> browser.findElement(By.id("message")).getText().contains("in order first"),
        "the hint to order the cards");
    assertThat(Files.exists(rankings) ? Files.readString(rankings) : "").isEmpty();
    Files.write(
        Path.of("target", "label-page.png"), browser.getScreenshotAs(OutputType.BYTES)); // README

    // Keyboard only: "slept all day." to the top, then the hostile one last; t ties it with
    // "found a friend." above it; f flags it; Enter submits.
    arrange(List.of("slept all day.", "found a friend.", HOSTILE));
    new Actions(browser).sendKeys("3").sendKeys("t").sendKeys("f").sendKeys(Keys.ENTER).perform();
    waitForProgress("1 of 3");

    Ranking r = saved().get(0);
    // Response order is the item's: found (2nd), hostile (tied with found), slept (1st).
    assertThat(r.ranks()).containsExactly(2, 2, 1);
    assertThat(Files.readString(rankings)).contains("\"flags\":[\"\",\"unsafe\",\"\"]");
    assertThat(r.truncated()).containsExactly(false, false, true);

    // A reload (its address holds no token now) keeps the progress: the next prompt.
    browser.navigate().refresh();
    waitFor("#responses li");
    waitForProgress("1 of 3");
    assertThat(browser.findElement(By.id("prompt")).getText()).isEqualTo("Tom had a");

    // Undo brings the first prompt back and takes its line out of the file.
    new Actions(browser).sendKeys("u").perform();
    waitForProgress("0 of 3");
    assertThat(saved()).isEmpty();
  }

  @Test
  void rankByDragSkipAndLoseNothingWhenTheServerIsKilled() throws Exception {
    open("bob");
    // Drag "slept all day." onto the first place, then put the hostile one last.
    List<WebElement> cards = browser.findElements(By.cssSelector("#responses li"));
    dragAndDrop(cards.get(shownResponses().indexOf("slept all day.")), cards.get(0));
    arrange(List.of("slept all day.", "found a friend.", HOSTILE));
    browser.findElement(By.id("submit")).click();
    waitForProgress("1 of 3");

    // The server dies mid-round; a new one on the same files and port serves on.
    server.close();
    server = serve();
    browser.navigate().refresh();
    waitFor("#responses li");
    waitForProgress("1 of 3");
    new Actions(browser).sendKeys("s").perform(); // skip "Tom had a"
    waitForProgress("2 of 3");
    assertThat(browser.findElement(By.id("prompt")).getText()).isEqualTo("The sun");

    assertThat(saved())
        .singleElement()
        .satisfies(r -> assertThat(r.ranks()).containsExactly(2, 3, 1));
    assertThat(Files.readString(LabelSession.skippedFile(rankings))).contains("\"item\":1");
  }

  @Test
  void twoPeopleGetDifferentItemsAndTheRoundStaysOpenForUndoUntilClosed() throws Exception {
    open("ann"); // ann is shown item 0, which is now held for her
    String annPrompt = browser.findElement(By.id("prompt")).getText();
    // Carol, on her own page, is shown another prompt.
    ChromeDriver carol = newBrowser();
    try {
      carol.get(server.link() + "&labeler=carol");
      until(() -> !carol.findElements(By.cssSelector("#responses li")).isEmpty(), "carol's card");
      assertThat(carol.findElement(By.id("prompt")).getText()).isNotEqualTo(annPrompt);
      // Her rankings: as shown, said with "o" (the next item, the last one, is held for her).
      for (int done = 1; done <= 2; done++) {
        String progress = done + " of 3";
        new Actions(carol).sendKeys("o").sendKeys(Keys.ENTER).perform();
        until(() -> carol.findElement(By.id("progress")).getText().startsWith(progress), progress);
      }
    } finally {
      carol.quit();
    }
    // Ann still has her item; "This order is my ranking" is a deliberate click.
    assertThat(browser.findElement(By.id("prompt")).getText()).isEqualTo(annPrompt);
    browser.findElement(By.id("keep")).click();
    browser.findElement(By.id("submit")).click();
    waitForProgress("3 of 3");
    // Complete, and still serving: the done page offers undo and closing.
    until(() -> browser.findElement(By.id("close")).isDisplayed(), "the close button");
    assertThat(browser.findElement(By.id("done-text")).getText()).contains("stays open");
    browser.findElement(By.id("undo-done")).click();
    waitForProgress("2 of 3");
    waitFor("#responses li");
    browser.findElement(By.id("keep")).click();
    browser.findElement(By.id("submit")).click();
    waitForProgress("3 of 3");
    until(() -> browser.findElement(By.id("close")).isDisplayed(), "the close button");
    browser.findElement(By.id("close")).click();
    until(() -> server.session().closed(), "the round closed");
    assertThat(saved()).hasSize(3);
  }

  /**
   * HTML5 drag and drop by its events: Chrome's automation does not synthesise them, so the test
   * fires dragstart and drop with one DataTransfer, as the browser does for a person's drag.
   */
  private void dragAndDrop(WebElement from, WebElement to) {
    ((JavascriptExecutor) browser)
        .executeScript(
            "const dt = new DataTransfer();"
                + "arguments[0].dispatchEvent(new DragEvent('dragstart', {dataTransfer: dt,"
                + " bubbles: true}));"
                + "arguments[1].dispatchEvent(new DragEvent('dragover', {dataTransfer: dt,"
                + " bubbles: true, cancelable: true}));"
                + "arguments[1].dispatchEvent(new DragEvent('drop', {dataTransfer: dt,"
                + " bubbles: true, cancelable: true}));",
            from,
            to);
  }
}
