/**
 * `use:focusOnMount`: moves the focus to an element as it appears (an editor, a confirmation);
 * `use:focusOnMount={false}` leaves it where it is.
 */
export function focusOnMount(node: HTMLElement, enabled = true): void {
  if (enabled) node.focus();
}
