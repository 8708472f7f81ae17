// Test only (installed by the e2e suite beside Groundwork, never shipped). VS Code's agent mode belongs to Copilot,
// which needs a sign-in this machine cannot do; this stands in for both halves of it: a model in the Chat view's
// picker whose text comes from the loopback OpenAI-compatible server, and an @agent participant that runs the
// tool loop (send the prompt with the referenced tools, run each call through vscode.lm.invokeTool, send back).
const vscode = require('vscode');

const MODEL = {
  id: 'loopback',
  name: 'Loopback (e2e)',
  family: 'loopback',
  version: '1',
  maxInputTokens: 120000,
  maxOutputTokens: 4000,
  capabilities: { toolCalling: true },
};

function textOf(message) {
  return (message.content || [])
    .map((part) => {
      if (part instanceof vscode.LanguageModelTextPart) return part.value;
      if (part instanceof vscode.LanguageModelToolResultPart)
        return part.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
      return '';
    })
    .join('');
}

const hasToolResult = (messages) =>
  messages.some((m) => (m.content || []).some((part) => part instanceof vscode.LanguageModelToolResultPart));

async function completion(messages, token) {
  const baseUrl = vscode.workspace.getConfiguration('groundwork').get('model.baseUrl');
  const controller = new AbortController();
  const cancelled = token.onCancellationRequested(() => controller.abort());
  try {
    const response = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer e2e-chat-harness' },
      body: JSON.stringify({
        model: 'loopback-e2e',
        messages: messages.map((m) => ({
          role: m.role === vscode.LanguageModelChatMessageRole.Assistant ? 'assistant' : 'user',
          content: textOf(m),
        })),
      }),
      signal: controller.signal,
    });
    const body = await response.json();
    return body.choices[0].message.content;
  } finally {
    cancelled.dispose();
  }
}

function activate(context) {
  const changed = new vscode.EventEmitter();
  context.subscriptions.push(
    vscode.lm.registerLanguageModelChatProvider('groundwork-e2e', {
      onDidChangeLanguageModelChatInformation: changed.event,
      provideLanguageModelChatInformation: () => [MODEL],
      provideTokenCount: (_model, text) => Math.ceil((typeof text === 'string' ? text : textOf(text)).length / 4),
      async provideLanguageModelChatResponse(_model, messages, options, progress, token) {
        // Agent mode's first turn: the model calls the first tool it was given with the user's words as the query.
        if (options.tools && options.tools.length && !hasToolResult(messages)) {
          const question = textOf(messages[messages.length - 1])
            .replace(/#\w+/g, '')
            .trim();
          progress.report(new vscode.LanguageModelToolCallPart('call-1', options.tools[0].name, { query: question }));
          return;
        }
        progress.report(new vscode.LanguageModelTextPart(await completion(messages, token)));
      },
    }),
  );
  // Nothing asks for models without Copilot: say once that this one exists, or the picker never lists it.
  setTimeout(() => changed.fire(), 0);

  const agent = vscode.chat.createChatParticipant('groundwork-e2e.agent', async (request, _context, stream, token) => {
    const tools = request.toolReferences.map((ref) => vscode.lm.tools.find((tool) => tool.name === ref.name)).filter(Boolean);
    const messages = [vscode.LanguageModelChatMessage.User(request.prompt)];
    for (let round = 0; round < 3; round++) {
      const response = await request.model.sendRequest(messages, { tools }, token);
      const calls = [];
      let text = '';
      for await (const part of response.stream) {
        if (part instanceof vscode.LanguageModelToolCallPart) calls.push(part);
        else if (part instanceof vscode.LanguageModelTextPart) text += part.value;
      }
      if (!calls.length) {
        stream.markdown(text);
        return {};
      }
      messages.push(vscode.LanguageModelChatMessage.Assistant(calls));
      for (const call of calls) {
        const result = await vscode.lm.invokeTool(
          call.name,
          { input: call.input, toolInvocationToken: request.toolInvocationToken },
          token,
        );
        const data = result.content.find((p) => p instanceof vscode.LanguageModelDataPart);
        const structured = data ? JSON.parse(new TextDecoder().decode(data.data)) : {};
        // What the tool told the agent, where the test (and a reader of the screenshot) can see it.
        stream.markdown(
          `Tool ${call.name} returned covered: ${structured.covered}, ${(structured.passages || structured.results || []).length} passages.\n\n`,
        );
        messages.push(vscode.LanguageModelChatMessage.User([new vscode.LanguageModelToolResultPart(call.callId, result.content)]));
      }
    }
    stream.markdown('The tool loop did not settle in three rounds.');
    return {};
  });
  context.subscriptions.push(agent);
}

module.exports = { activate, deactivate() {} };
