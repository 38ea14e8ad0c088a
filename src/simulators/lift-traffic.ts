import type { Rng } from './prng.ts';
import { bump } from './time.ts';

/** A hall call served by the car: passengers board at `from` and ride to `to` (indices into the floor list). */
export interface Trip {
  from: number;
  to: number;
  people: number;
}

/**
 * Trips per hour for a residential tower by local hour: the up-peak of people leaving for work
 * (mostly downwards, 7:00-9:00), a lunchtime ripple, the evening return (mostly upwards,
 * 17:30-20:00), and almost nothing at night.
 */
export function tripsPerHour(hour: number, floors: number): number {
  const scale = Math.max(0.4, floors / 18);
  const rate = 2 + 42 * bump(hour, 7.8, 0.8) + 12 * bump(hour, 12.2, 1.2) + 36 * bump(hour, 18.8, 1.3);
  const awake = hour >= 6 && hour < 23.5 ? 1 : 0.3;
  return rate * awake * scale;
}

/** Share of trips that leave the building (upper floor to the lobby or garage) at this hour. */
function outboundShare(hour: number): number {
  return 0.5 + 0.35 * bump(hour, 7.8, 1.5) - 0.35 * bump(hour, 18.8, 1.8);
}

/**
 * Draws one trip. `lobby` is the ground floor's index; basements below it are the garage, which
 * takes a share of trips in and out.
 */
export function drawTrip(rng: Rng, hour: number, levels: number, lobby: number): Trip {
  const people = rng.chance(0.7) ? 1 : rng.int(2, 4);
  const exit = lobby > 0 && rng.chance(0.35) ? rng.int(0, lobby - 1) : lobby;
  const upper = levels - 1 > lobby ? rng.int(lobby + 1, levels - 1) : lobby;
  if (upper === exit) return { from: exit, to: exit === 0 ? levels - 1 : 0, people };
  if (rng.chance(0.08)) {
    // Visits between floors: neighbours, the clubhouse floor.
    const other = rng.int(lobby + 1, levels - 1);
    if (other !== upper) return { from: upper, to: other, people };
  }
  return rng.chance(outboundShare(hour))
    ? { from: upper, to: exit, people }
    : { from: exit, to: upper, people };
}
