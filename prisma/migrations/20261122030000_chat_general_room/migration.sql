-- The room every database starts with: "general", public, whose first message (seq 1) is the
-- server's welcome. Written like any message: the Message row, and its `message:created` change
-- in the room's change stream, so that a resync replays it. The author is the server's own user,
-- which has no session and cannot sign in. Ids are fixed (see `generalRoom` in the contract).

INSERT INTO "User" ("id", "name", "createdAt") VALUES ('00000000-0000-4000-8000-000000000001', 'Tandem', '2026-11-22T00:00:00.000+00:00')
ON CONFLICT DO NOTHING;

INSERT INTO "Room" ("id", "name", "visibility", "inviteCode", "createdById", "createdAt")
VALUES ('00000000-0000-4000-8000-000000000002', 'general', 'public', NULL, '00000000-0000-4000-8000-000000000001', '2026-11-22T00:00:00.000+00:00')
ON CONFLICT DO NOTHING;

INSERT INTO "ChangeStream" ("key", "seq") VALUES ('chat:00000000-0000-4000-8000-000000000002', 1)
ON CONFLICT DO NOTHING;

INSERT INTO "Change" ("streamKey", "seq", "event", "data", "createdAt")
VALUES ('chat:00000000-0000-4000-8000-000000000002', 1, 'message:created', '{"roomId":"00000000-0000-4000-8000-000000000002","seq":1,"message":{"id":"00000000-0000-4000-8000-000000000003","roomId":"00000000-0000-4000-8000-000000000002","seq":1,"author":{"id":"00000000-0000-4000-8000-000000000001","name":"Tandem"},"text":"welcome to the chat","kind":"system","action":"welcome","createdAt":"2026-11-22T00:00:00.000Z","reactions":[],"mentions":[]}}', '2026-11-22T00:00:00.000+00:00')
ON CONFLICT DO NOTHING;

INSERT INTO "Message" ("id", "roomId", "seq", "authorId", "text", "kind", "action", "createdAt")
VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 1, '00000000-0000-4000-8000-000000000001', 'welcome to the chat', 'system', 'welcome', '2026-11-22T00:00:00.000+00:00')
ON CONFLICT DO NOTHING;
