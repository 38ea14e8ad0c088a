import { z } from 'zod';
import { ROLES } from '../roles.ts';
import { flag } from './common.ts';

export const tokenBody = z.object({
  userId: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . @ -')
    .describe('the staff id records name as owner, assignee and actor'),
  label: z.string().trim().min(1).max(100).optional().describe('what the token is for'),
  roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
});

export const tokenQuery = z.object({ includeRevoked: flag.optional() });
export const tokenParams = z.object({
  id: z.string().regex(/^[a-z0-9]{1,16}$/, 'a token id such as 3f9a0c12b7de'),
});

export const token = z
  .object({
    id: z.string(),
    userId: z.string(),
    label: z.string().nullable(),
    roles: z.array(z.enum(ROLES)),
    createdAt: z.date(),
    createdBy: z.string(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });

export const issuedToken = token
  .extend({ token: z.string().describe('shown once: only its SHA-256 is stored') })
  .meta({ id: 'IssuedApiToken' });

export const me = z.object({ tokenId: z.string(), userId: z.string(), roles: z.array(z.enum(ROLES)) });
