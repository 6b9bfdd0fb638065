-- AlterTable
ALTER TABLE "ProcessedOp" DROP CONSTRAINT "ProcessedOp_pkey",
ADD CONSTRAINT "ProcessedOp_pkey" PRIMARY KEY ("opId", "userId");
