-- AlterTable
ALTER TABLE "User" ADD COLUMN     "nameKey" TEXT;

-- CreateIndex
CREATE INDEX "User_nameKey_idx" ON "User"("nameKey");
