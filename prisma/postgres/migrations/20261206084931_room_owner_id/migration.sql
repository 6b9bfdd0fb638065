-- Room.createdById is renamed ownerId (as List and Board name it): the rows keep their owner.
-- RenameColumn
ALTER TABLE "Room" RENAME COLUMN "createdById" TO "ownerId";

-- RenameForeignKey
ALTER TABLE "Room" RENAME CONSTRAINT "Room_createdById_fkey" TO "Room_ownerId_fkey";
