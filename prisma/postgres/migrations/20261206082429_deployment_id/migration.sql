-- CreateTable
CREATE TABLE "Deployment" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- The deployment's id, drawn once, when this migration runs on a new database (see docs/scaling.md).
INSERT INTO "Deployment" ("id") VALUES (replace(gen_random_uuid()::text, '-', ''));
