package io.rlhf4j.djl.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rlhf4j.data.ChatMessage;
import io.rlhf4j.djl.TestModels;
import io.rlhf4j.djl.generate.DjlPolicy;
import io.rlhf4j.djl.io.PretrainedModel;
import io.rlhf4j.djl.tokenize.ChatFormat;
import io.rlhf4j.djl.tokenize.ChatTemplate;
import io.rlhf4j.internal.json.Json;
import io.rlhf4j.model.Generation;
import io.rlhf4j.model.SamplingConfig;
import io.rlhf4j.reward.LlmJudge;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * stories260K served over OpenAI's protocol, checked against the same model decoding in process:
 * greedy answers over HTTP are the in-process greedy generations, text for text; and the LLM judge
 * reward, asking the served model, reads the answer the model gives.
 */
class ModelServerTest {
  // A ChatML template, so the story model can be asked chat questions (its words are nonsense to
  // it, but the protocol and the rendering are what is tested).
  private static final String CHATML =
      "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}"
          + "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

  private static PretrainedModel model;
  private static DjlPolicy policy;
  private static ChatFormat chat;
  private static ModelServer server;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void serve() throws Exception {
    model = PretrainedModel.load(TestModels.stories(), Device.cpu());
    policy = new DjlPolicy(model.model(), model.tokenizer());
    chat = new ChatFormat(new ChatTemplate(CHATML, "", ""));
    server = new ModelServer(policy, "stories260K", chat, new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() {
    server.close();
    model.close();
  }

  private static HttpResponse<String> post(String path, String json) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(server.url() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  // What the model writes for `prompt` in process, greedy, without its stop token.
  private static String greedy(String prompt, int maxTokens) {
    Generation g =
        policy
            .generate(
                List.of(model.tokenizer().encode(prompt, true)),
                SamplingConfig.builder().temperature(0).maxNewTokens(maxTokens).build())
            .get(0);
    int[] r = g.response();
    return model.tokenizer().decode(g.endedWithEos() ? Arrays.copyOf(r, r.length - 1) : r);
  }

  @Test
  void aGreedyCompletionIsTheInProcessGeneration() throws Exception {
    HttpResponse<String> r =
        post(
            "/completions",
            "{\"model\": \"stories260K\", \"prompt\": \"Once upon a time\", \"max_tokens\": 24,"
                + " \"temperature\": 0}");
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> body = Json.parseObject(r.body());
    assertThat(body)
        .containsEntry("object", "text_completion")
        .containsEntry("model", "stories260K");
    Map<?, ?> choice = (Map<?, ?>) ((List<?>) body.get("choices")).get(0);
    assertThat(choice.get("text")).isEqualTo(greedy("Once upon a time", 24));
    assertThat(choice.get("finish_reason")).isIn("stop", "length");
    Map<?, ?> usage = (Map<?, ?>) body.get("usage");
    assertThat(((Number) usage.get("prompt_tokens")).intValue())
        .isEqualTo(model.tokenizer().encode("Once upon a time", true).length);
  }

  @Test
  void aChatCompletionRendersTheTemplateThenGenerates() throws Exception {
    HttpResponse<String> r =
        post(
            "/chat/completions",
            "{\"model\": \"stories260K\", \"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Tell me about a cat.\"}], \"max_tokens\": 20, \"temperature\": 0}");
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, Object> body = Json.parseObject(r.body());
    Map<?, ?> message =
        (Map<?, ?>) ((Map<?, ?>) ((List<?>) body.get("choices")).get(0)).get("message");
    assertThat(message.get("role")).isEqualTo("assistant");
    String expected =
        greedy(chat.prompt(List.of(new ChatMessage("user", "Tell me about a cat."))), 20);
    assertThat(message.get("content")).isEqualTo(expected);
  }

  @Test
  void modelsListsTheOneModelAndBadRequestsGetAnOpenAiError() throws Exception {
    HttpResponse<String> models =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.url() + "/models")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(models.body()).contains("\"id\":\"stories260K\"");
    HttpResponse<String> bad = post("/completions", "{\"prompt\": 3}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(Json.parseObject(bad.body()).get("error").toString())
        .contains("\"prompt\" must be a string");
    assertThat(post("/chat/completions", "not json").statusCode()).isEqualTo(400);
  }

  @Test
  void theLlmJudgeAsksTheServedModelAndScoresItsAnswer() {
    // End to end: the judge's question goes through the served model's chat template, and the
    // verdict holds exactly the answer the model gives in process; its score is read from it.
    LlmJudge judge =
        LlmJudge.builder(server.url(), "stories260K")
            .rubric("Score this story from 0 to 10: {response}")
            .sampling(12, 0)
            .build();
    LlmJudge.Verdict v = judge.judge("Write a story.", "The cat sat on the mat.");
    String expected =
        greedy(
            chat.prompt(
                List.of(
                    new ChatMessage(
                        "user", "Score this story from 0 to 10: The cat sat on the mat."))),
            12);
    assertThat(v.answer()).isEqualTo(expected);
    assertThat(v.score()).isEqualTo(judge.read(expected).score());
    assertThat(judge.score(List.of("a", "b"), List.of("x", "y"))).hasSize(2);
  }
}
