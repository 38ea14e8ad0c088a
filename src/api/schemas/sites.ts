import { z } from 'zod';
import { id } from './common.ts';

const text = z.string().trim().min(1).max(200);

export const siteBody = z.object({
  id,
  name: text,
  address: text.optional(),
  timezone: z.string().min(1).max(64).optional().describe('IANA time zone; default Asia/Shanghai'),
  lang: z
    .enum(['zh-CN', 'en'])
    .optional()
    .describe("the language its people's notifications are in; default FM_LANG"),
});
export const buildingBody = z.object({
  id,
  name: text,
  floors: z.number().int().min(1).max(200).optional(),
  basements: z.number().int().min(0).max(20).optional(),
});
export const areaBody = z.object({ id, name: text, building: id.optional() });

export const site = z
  .object({
    id: z.string(),
    name: z.string(),
    address: z.string().nullable(),
    timezone: z.string(),
    lang: z.enum(['zh-CN', 'en']).nullable().describe("null: the platform's language (FM_LANG)"),
    createdAt: z.date(),
  })
  .meta({ id: 'Site' });
export const siteSummary = site
  .extend({ buildings: z.number().int(), areas: z.number().int(), devices: z.number().int() })
  .meta({ id: 'SiteSummary' });
export const building = z
  .object({
    site: z.string(),
    id: z.string(),
    name: z.string(),
    floors: z.number().int(),
    basements: z.number().int(),
  })
  .meta({ id: 'Building' });
export const area = z
  .object({ site: z.string(), id: z.string(), name: z.string(), building: z.string().nullable() })
  .meta({ id: 'Area' });
export const siteDetail = site
  .extend({ buildings: z.array(building), areas: z.array(area) })
  .meta({ id: 'SiteDetail' });
