/**
 * Set by a sign-in in this page: the chat then opens `general` when no room is open, as a new
 * user expects; a reload keeps the room that was open instead.
 */
export const landing = { justSignedIn: false };
