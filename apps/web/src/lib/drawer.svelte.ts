import { MediaQuery } from 'svelte/reactivity';

/** A phone-sized screen: one column, the sidebar (rooms, boards, lists) in a drawer. */
export const phoneLayout = new MediaQuery('max-width: 640px');

/** The sidebar's drawer on a phone: opened from the top bar, closed on a pick, Escape or a tap beside it. */
class Drawer {
  open = $state(false);

  toggle = (): void => {
    this.open = !this.open;
  };

  close = (): void => {
    this.open = false;
  };
}

export const drawer = new Drawer();
