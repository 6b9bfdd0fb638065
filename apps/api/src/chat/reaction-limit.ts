import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';

// The rule on how many different emoji a message carries: checked by the service on the message
// as read, and again by the repository on the reactions its insert returns (another node's may
// have come in between).

/** Distinct emoji one message may carry; a new one beyond this answers `CONFLICT`. */
export const maxReactionEmojiPerMessage = 50;

/** Whether `emoji` would be one too many on a message with these reactions (the user's own with it not among them). */
export const emojiOverLimit = (reactions: readonly { emoji: string }[], emoji: string): boolean =>
  !reactions.some((reaction) => reaction.emoji === emoji) &&
  new Set(reactions.map((reaction) => reaction.emoji)).size >= maxReactionEmojiPerMessage;

/** A new emoji on a message that carries `maxReactionEmojiPerMessage` different ones already. */
export const tooManyEmoji = (): DomainError =>
  new DomainError(ErrorCode.Conflict, `a message carries at most ${maxReactionEmojiPerMessage} different emoji`);
