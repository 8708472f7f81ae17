import * as vscode from 'vscode';

/*
 * The agent-facing APIs arrived after the VS Code this extension supports (engines ^1.90): language model tools
 * in 1.95, MCP server definitions in 1.101, `ChatRequest.model` in 1.95. Their shapes are declared here as
 * optional, so every use is feature-detected and older editors keep the panel, hovers and commands.
 */

export interface ToolInvocationOptions<T> {
  readonly input: T;
  readonly toolInvocationToken: unknown;
  /** How many tokens the result may take in the model's context (VS Code 1.95+, when the caller says). */
  readonly tokenizationOptions?: { readonly tokenBudget: number };
}

export interface LanguageModelToolApi<T> {
  invoke(options: ToolInvocationOptions<T>, token: vscode.CancellationToken): Promise<unknown>;
  prepareInvocation?(options: { input: T }, token: vscode.CancellationToken): { invocationMessage?: string } | undefined;
}

export interface McpServerDefinitionProviderApi {
  onDidChangeMcpServerDefinitions?: vscode.Event<void>;
  provideMcpServerDefinitions(token: vscode.CancellationToken): unknown[] | Promise<unknown[]>;
}

interface NewerLm {
  registerTool?<T>(name: string, tool: LanguageModelToolApi<T>): vscode.Disposable;
  registerMcpServerDefinitionProvider?(id: string, provider: McpServerDefinitionProviderApi): vscode.Disposable;
}

interface NewerClasses {
  LanguageModelTextPart?: new (value: string) => unknown;
  LanguageModelDataPart?: { json(value: unknown): unknown };
  LanguageModelToolResult?: new (content: unknown[]) => unknown;
  McpStdioServerDefinition?: new (
    label: string,
    command: string,
    args?: string[],
    env?: Record<string, string>,
    version?: string,
  ) => unknown;
}

export function newerLm(): NewerLm {
  return vscode.lm as unknown as NewerLm;
}

export function newerClasses(): NewerClasses {
  return vscode as unknown as NewerClasses;
}

/**
 * A tool result of plain text (with the same facts as JSON, where this VS Code has data parts), or undefined where
 * this VS Code has no tool results.
 */
export function textToolResult(text: string, structured?: object): unknown {
  const { LanguageModelTextPart, LanguageModelToolResult, LanguageModelDataPart } = newerClasses();
  if (!LanguageModelTextPart || !LanguageModelToolResult) return undefined;
  const data = structured && LanguageModelDataPart?.json ? [LanguageModelDataPart.json(structured)] : [];
  return new LanguageModelToolResult([new LanguageModelTextPart(text), ...data]);
}
