/**
 * The shape of a rule file (docs/rules.md), as zod schemas: what every file must be on its own.
 * rule-check.ts checks what needs the rest (payload fields, event codes, the file it overlays).
 */
import { z } from 'zod';
import { KINDS, type Kind } from '../protocol/index.ts';
import { PRIORITIES, TRADES } from '../records/service/index.ts';

const seconds = z
  .number()
  .min(0)
  .max(7 * 86_400);
const code = z.string().regex(/^[a-z0-9_]{1,64}$/, 'a fault code is lower_snake_case, at most 64 characters');
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a rule id is kebab-case');
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const comparison = z
  .object({
    field: z.string(),
    op: z.enum(['eq', 'ne', 'lt', 'le', 'gt', 'ge']),
    value: z.union([z.number(), z.string(), z.boolean()]).optional(),
    /** Compare with another field of the same reading instead of a constant. */
    ref: z.string().optional(),
  })
  .strict()
  .refine((c) => (c.value === undefined) !== (c.ref === undefined), 'give exactly one of value or ref');
export type Comparison = z.output<typeof comparison>;

const eventRule = z
  .object({
    id: ruleId,
    type: z.literal('event'),
    /** Codes this rule follows; default every code of the kind. */
    codes: z.array(code).optional(),
    /** A cleared event counts once it has stayed cleared this long (flap damping). */
    clearForS: seconds.default(30),
  })
  .strict();

const thresholdRule = z
  .object({
    id: ruleId,
    type: z.literal('threshold'),
    fault: code,
    field: z.string(),
    below: z.number().optional(),
    above: z.number().optional(),
    /** The clear condition, separate from the raise condition (hysteresis). */
    clearAbove: z.number().optional(),
    clearBelow: z.number().optional(),
    forS: seconds,
    clearForS: seconds,
    /** While any of these holds the reading is a consequence of something else: neither raise nor clear. */
    unless: z.array(comparison).default([]),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.below === undefined) === (r.above === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of below or above', path: ['below'] });
    if (r.below !== undefined && !(r.clearAbove !== undefined && r.clearAbove >= r.below))
      ctx.addIssue({
        code: 'custom',
        message: 'clearAbove must be given and be >= below',
        path: ['clearAbove'],
      });
    if (r.above !== undefined && !(r.clearBelow !== undefined && r.clearBelow <= r.above))
      ctx.addIssue({
        code: 'custom',
        message: 'clearBelow must be given and be <= above',
        path: ['clearBelow'],
      });
  });

const derivedRule = z
  .object({
    id: ruleId,
    type: z.literal('derived'),
    fault: code,
    /** All must hold, for forS. */
    when: z.array(comparison).min(1),
    /** All must hold for clearForS to clear; default: `when` no longer holds. */
    clearWhen: z.array(comparison).optional(),
    forS: seconds,
    clearForS: seconds,
  })
  .strict();

const countRule = z
  .object({
    id: ruleId,
    type: z.literal('count'),
    fault: code,
    /** Raised events of these codes are counted... */
    codes: z.array(code).min(1),
    /** ...and this many within windowS is a fault of its own. */
    count: z.number().int().min(2).max(1000),
    windowS: seconds.min(1),
  })
  .strict();

export const ruleSchema = z.discriminatedUnion('type', [eventRule, thresholdRule, derivedRule, countRule]);
export type Rule = z.output<typeof ruleSchema>;

export const outcomeSchema = z
  .object({
    priority: z.enum(PRIORITIES),
    trade: z.enum(TRADES),
    /** Guards go too (docs/architecture.md: intrusion, tamper, a camera blind spot, an entrapment). */
    alert: z.boolean().default(false),
    alertPriority: z.enum(PRIORITIES).optional(),
    /** Close the record when the device recovers, if nobody has taken it yet (needs RulesOptions.selfCloseLow). */
    selfClose: z.boolean().default(false),
    /** False: evaluated and logged, never raised. */
    enabled: z.boolean().default(true),
  })
  .strict();
export type Outcome = z.output<typeof outcomeSchema>;

const kindSchema = z
  .object({
    heartbeat: z
      .object({
        /** Telemetry intervals (from the registry) without a reading before heartbeat_lost. */
        missedIntervals: z.number().min(1).max(100).default(3),
        /** A retained `offline` must last this long before it is a fault (a reconnect is not). */
        offlineForS: seconds.default(30),
      })
      .strict()
      .optional(),
    faults: z.record(code, outcomeSchema).default({}),
    rules: z.array(ruleSchema).default([]),
  })
  .strict();

const override = z
  .object({
    site: id.optional(),
    device: id.optional(),
    kind: z.enum(KINDS).optional(),
    /** Patch a rule's parameters (thresholds, durations)... */
    rule: ruleId.optional(),
    /** ...or a fault's outcome (priority, trade, alert, enabled). */
    fault: code.optional(),
    set: z.record(z.string(), z.unknown()),
  })
  .strict()
  .refine((o) => !(o.site && o.device), 'give site or device, not both')
  .refine((o) => Boolean(o.rule) !== Boolean(o.fault), 'give exactly one of rule or fault');
export type Override = z.output<typeof override>;

export const ruleFileSchema = z
  .object({
    version: z.literal(1),
    description: z.string().optional(),
    kinds: z
      .object(
        Object.fromEntries(KINDS.map((k) => [k, kindSchema.optional()])) as Record<
          Kind,
          z.ZodOptional<typeof kindSchema>
        >,
      )
      .strict()
      .default({}),
    flapping: z
      .object({
        /** This many raises within windowS is flapping... */
        raises: z.number().int().min(2).default(3),
        windowS: seconds.min(1).default(600),
        /** ...and then a clear must last this long before it counts. */
        holdS: seconds.default(600),
      })
      .strict()
      .optional(),
    storm: z
      .object({
        /** Faults that count as "the device is down". */
        codes: z.array(code).default(['offline', 'heartbeat_lost', 'power_loss']),
        minDevices: z.number().int().min(2).default(10),
        /** Share of the site's registered devices that must be down too. */
        minShare: z.number().min(0).max(1).default(0.2),
        /** A down device waits this long for others before it gets a record of its own. */
        settleS: seconds.default(15),
      })
      .strict()
      .optional(),
    overrides: z.array(override).default([]),
  })
  .strict();
export type RuleFile = z.output<typeof ruleFileSchema>;
