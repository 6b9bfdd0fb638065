-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ProcessedOp" (
    "userId" TEXT NOT NULL,
    "opId" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("opId", "userId")
);
INSERT INTO "new_ProcessedOp" ("command", "createdAt", "opId", "result", "userId") SELECT "command", "createdAt", "opId", "result", "userId" FROM "ProcessedOp";
DROP TABLE "ProcessedOp";
ALTER TABLE "new_ProcessedOp" RENAME TO "ProcessedOp";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
