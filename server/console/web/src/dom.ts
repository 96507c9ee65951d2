/**
 * The only way this console puts anything on the page. Text always goes in as text nodes and
 * attributes through setAttribute with a fixed allow-list, so data from agents (hostnames,
 * log text) can never become markup or script. There is no innerHTML anywhere.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  className?: string;
  /** Attributes; `on*` and `style` are refused (events go through `on`, styling through CSS). */
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

const FORBIDDEN_ATTRIBUTE = /^(on|style$|srcdoc$)/i;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (FORBIDDEN_ATTRIBUTE.test(name)) throw new Error(`attribute ${name} is not allowed`);
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [event, listener] of Object.entries(props.on ?? {})) {
    element.addEventListener(event, listener as EventListener);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** A <select> whose options are [value, label] pairs. */
export function select(
  options: readonly (readonly [string, string])[],
  value: string,
  attrs: Props['attrs'] = {},
): HTMLSelectElement {
  const element = h('select', { attrs });
  for (const [optionValue, label] of options) {
    const option = h('option', { attrs: { value: optionValue } }, label);
    option.selected = optionValue === value;
    element.append(option);
  }
  return element;
}
