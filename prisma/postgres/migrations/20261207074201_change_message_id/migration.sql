-- AlterTable
ALTER TABLE "Change" ADD COLUMN     "messageId" TEXT;

-- The changes logged before name the message they carry too.
UPDATE "Change" SET "messageId" = ("data"::jsonb) -> 'message' ->> 'id' WHERE "event" LIKE 'message:%';

-- CreateIndex
CREATE INDEX "Change_messageId_idx" ON "Change"("messageId");
