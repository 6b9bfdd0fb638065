-- CreateTable
CREATE TABLE "SpacePin" (
    "pin" TEXT NOT NULL,
    "spaceKind" TEXT NOT NULL,
    "spaceId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SpacePin_pkey" PRIMARY KEY ("pin")
);

-- CreateIndex
CREATE UNIQUE INDEX "SpacePin_spaceKind_spaceId_key" ON "SpacePin"("spaceKind", "spaceId");
