/**
 * A button that shows and hides a panel of its own (the account menu, sharing, the reaction
 * picker): whether the panel is open, what its button says of it to assistive technology, and
 * Escape to close it. `changed` hears every opening and closing.
 */
export class Disclosure {
  open = $state(false);

  constructor(
    /** The panel's element id. */
    readonly panelId: string,
    private readonly changed?: (open: boolean) => void,
  ) {}

  /** Spread on the button; `aria-controls` names the panel only while it is there. */
  get button(): { 'aria-expanded': boolean; 'aria-controls': string | undefined } {
    return { 'aria-expanded': this.open, 'aria-controls': this.open ? this.panelId : undefined };
  }

  readonly toggle = (): void => this.set(!this.open);

  readonly set = (open: boolean): void => {
    if (open === this.open) return;
    this.open = open;
    this.changed?.(open);
  };

  /** For `onkeydown` on the window or around the panel. */
  readonly closeOnEscape = (event: KeyboardEvent): void => {
    if (this.open && event.key === 'Escape') this.set(false);
  };
}
