-- AlterTable
ALTER TABLE "Message" ADD COLUMN "createdChange" TEXT;
