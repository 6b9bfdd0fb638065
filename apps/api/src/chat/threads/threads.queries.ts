import { prepare } from '../../db/sql.js';

// The queries a new reply runs on its parent, built and compiled once (see `prepare`).

/** One more reply: the count and the last reply's time; answers the latest repliers as stored. */
export const countReply = prepare((db, reply: { parentId: string; createdAt: string }) =>
  db
    .updateTable('Message')
    .set((eb) => ({ replyCount: eb('replyCount', '+', 1), lastReplyAt: reply.createdAt }))
    .where('id', '=', reply.parentId)
    .returning('latestRepliers'),
);

export const setLatestRepliers = prepare((db, parent: { id: string; latestRepliers: string }) =>
  db.updateTable('Message').set({ latestRepliers: parent.latestRepliers }).where('id', '=', parent.id),
);
