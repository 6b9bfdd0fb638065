-- DropIndex
DROP INDEX "Player_boardId_idx";

-- CreateIndex
CREATE INDEX "Player_boardId_removedAt_score_idx" ON "Player"("boardId", "removedAt", "score");
