import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { projectRoot } from '../config.js';

export const plainPageRoute = '/plain';

const page = readFileSync(path.join(projectRoot, 'apps/api/src/plain-ws/plain.html'), 'utf8');

/** The CSP source that allows exactly the inline blocks of `tag` in the page, by their hashes. */
function hashesOf(tag: 'script' | 'style'): string {
  const blocks = [...page.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[1] ?? '');
  return blocks.map((block) => `'sha256-${createHash('sha256').update(block).digest('base64')}'`).join(' ');
}

/**
 * The app's policy (helmet's), except that this page's own inline script and style are allowed
 * by hash: the page stays one file, and nothing else inline can run on it.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  `script-src ${hashesOf('script')}`,
  "script-src-attr 'none'",
  `style-src ${hashesOf('style')}`,
].join(';');

/** `/plain`: a chat page in one HTML file that speaks `/ws` with `new WebSocket(…)`, no build, no Socket.IO. */
@Controller()
export class PlainPageController {
  @Get(plainPageRoute)
  show(@Res() response: Response): void {
    response
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': contentSecurityPolicy,
      })
      .send(page);
  }
}
