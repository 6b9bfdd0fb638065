/** `use:focusOnMount`: moves the focus to an element as it appears (an editor, a confirmation). */
export function focusOnMount(node: HTMLElement): void {
  node.focus();
}
