// Small DOM helpers the page's modules share: find an element, show a status line, keep a button
// busy while its request runs.
/// <reference lib="dom" />

export function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

/** An element with text (never markup) and optional class and attributes. */
export function make<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = '', attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  if (className) node.className = className;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export function show(status: HTMLElement, text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

/** Runs `work` with `button` disabled, so a double click sends one request. */
export async function busy(button: HTMLButtonElement, work: () => Promise<void>): Promise<void> {
  if (button.disabled) return;
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}
