-- CreateTable
CREATE TABLE "SpacePin" (
    "pin" TEXT NOT NULL PRIMARY KEY,
    "spaceKind" TEXT NOT NULL,
    "spaceId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "SpacePin_spaceKind_spaceId_key" ON "SpacePin"("spaceKind", "spaceId");
