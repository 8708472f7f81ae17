/**
 * The chat panel's static markup, which the webview script fills in. Shared so the host serves exactly what the
 * webview tests render. No inline script or style: the CSP allows neither.
 */
export const PANEL_BODY = `<div id="app">
  <header>
    <div id="status" aria-live="polite"></div>
  </header>
  <main id="log" role="log" aria-live="polite" aria-label="Questions and answers"></main>
  <footer>
    <textarea id="question" rows="2" aria-label="Ask a question about your docs" placeholder="Ask about your docs" title="Enter sends the question; Shift+Enter starts a new line"></textarea>
    <button id="send" type="button" aria-label="Send question" title="Send"><span class="codicon codicon-send" aria-hidden="true"></span></button>
    <button id="stop" type="button" aria-label="Stop the answer" title="Stop" hidden><span class="codicon codicon-debug-stop" aria-hidden="true"></span></button>
  </footer>
</div>`;
