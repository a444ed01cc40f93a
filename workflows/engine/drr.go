package engine

import (
	"math"
	"slices"
)

// drr is the admitter's memory between rounds: the order keys take turns in
// and the credit (deficit) each carries over. It is pure: plan decides from
// the loads it is given.
type drr struct {
	ring    []string       // keys in turn order; a new key joins at the end
	next    int            // where the next round starts in ring
	deficit map[string]int // credit carried over, per key with waiting rows
}

// plan says how many rows each key may admit now, from the keys' loads and
// the capacity (the most tasks with a key in flight at once):
//
//   - each key's cap is its weighted max-min share of capacity over the
//     keys' demands (in flight + waiting), rounded up: a key that needs less
//     than its share leaves the rest to the others, and a lone key may use
//     all of it;
//   - the free slots (capacity less everything in flight) go round the
//     keys with waiting rows in deficit round robin: on its turn a key
//     earns its weight in credit and takes a slot per credit, up to its cap
//     and its waiting rows.
//
// Keys with nothing waiting lose their credit, as in DRR, so a key cannot
// bank turns while idle.
func (d *drr) plan(loads []KeyLoad, capacity int) map[string]int {
	if d.deficit == nil {
		d.deficit = map[string]int{}
	}
	caps := shares(loads, capacity)
	free := capacity
	byKey := make(map[string]KeyLoad, len(loads))
	for _, l := range loads {
		free -= l.InFlight
		byKey[l.Key] = l
	}
	d.sync(byKey)
	plan := map[string]int{}
	for free > 0 {
		progress := false
		for i := range len(d.ring) {
			key := d.ring[(d.next+i)%len(d.ring)]
			l := byKey[key]
			room := min(caps[key]-l.InFlight, l.Waiting) - plan[key]
			if room <= 0 {
				continue
			}
			d.deficit[key] += max(l.Weight, 1)
			take := min(d.deficit[key], room, free)
			plan[key] += take
			d.deficit[key] -= take
			free -= take
			progress = true
			if free == 0 {
				d.next = (d.next + i + 1) % len(d.ring)
				break
			}
		}
		if !progress {
			break
		}
	}
	for key, l := range byKey {
		if l.Waiting-plan[key] <= 0 {
			delete(d.deficit, key) // nothing left waiting: no credit banked
		}
	}
	for k, n := range plan {
		if n == 0 {
			delete(plan, k)
		}
	}
	return plan
}

// sync makes the ring hold exactly the keys with waiting rows, keeping the
// turn order of those already in it.
func (d *drr) sync(byKey map[string]KeyLoad) {
	var current string
	if len(d.ring) > 0 {
		current = d.ring[d.next%len(d.ring)]
	}
	kept := d.ring[:0]
	for _, k := range d.ring {
		if byKey[k].Waiting > 0 {
			kept = append(kept, k)
		}
	}
	var added []string
	for k, l := range byKey {
		if l.Waiting > 0 && !slices.Contains(kept, k) {
			added = append(added, k)
		}
	}
	slices.Sort(added) // a stable order for keys that arrive together
	d.ring = append(kept, added...)
	d.next = 0
	if i := slices.Index(d.ring, current); i >= 0 {
		d.next = i
	}
	for k := range d.deficit {
		if byKey[k].Waiting == 0 {
			delete(d.deficit, k)
		}
	}
}

// shares is each key's cap: its weighted max-min share of capacity over the
// keys' demands (in flight + waiting), rounded up.
func shares(loads []KeyLoad, capacity int) map[string]int {
	caps := make(map[string]int, len(loads))
	active := make([]KeyLoad, 0, len(loads))
	for _, l := range loads {
		if l.InFlight+l.Waiting > 0 {
			active = append(active, l)
		}
	}
	remaining := float64(capacity)
	for len(active) > 0 {
		weights := 0.0
		for _, l := range active {
			weights += float64(max(l.Weight, 1))
		}
		// Keys whose demand is within their share take it; the rest is
		// shared again among the others.
		rest := active[:0]
		spent := 0.0
		for _, l := range active {
			share := remaining * float64(max(l.Weight, 1)) / weights
			if demand := float64(l.InFlight + l.Waiting); demand <= share {
				caps[l.Key] = l.InFlight + l.Waiting
				spent += demand
			} else {
				rest = append(rest, l)
			}
		}
		if len(rest) == len(active) {
			for _, l := range rest {
				caps[l.Key] = int(math.Ceil(remaining * float64(max(l.Weight, 1)) / weights))
			}
			break
		}
		remaining -= spent
		active = rest
	}
	return caps
}
