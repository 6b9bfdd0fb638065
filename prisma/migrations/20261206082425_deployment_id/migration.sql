-- CreateTable
CREATE TABLE "Deployment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- The deployment's id, drawn once, when this migration runs on a new database (see docs/scaling.md).
INSERT INTO "Deployment" ("id") VALUES (lower(hex(randomblob(16))));
