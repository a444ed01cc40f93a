package workers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/campusbiz/campusbiz/workflows/matching"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PrepareMatch is internship:match's first phase: it shows the round as
// running in a short unit of work of its own, then returns the step that
// runs the round (MatchRound, one unit of work, exactly once). If the
// worker dies midway, the round stays running, which keeps any other round
// out, until the retry finishes it.
func (h *Handlers) PrepareMatch(ctx context.Context, e *engine.Engine, run engine.Run) engine.Step {
	err := e.Do(ctx, func(w *engine.Work) error {
		_, err := h.startRound(w, run)
		return err
	})
	if err != nil && ctx.Err() == nil {
		// Only the early "running" is lost: MatchRound marks it itself.
		h.Log.WarnContext(ctx, "marking a match round running", "task_id", run.TaskID, "err", err)
	}
	return h.MatchRound
}

// startRound locks the payload's round and moves it from queued to running.
func (h *Handlers) startRound(w *engine.Work, run engine.Run) (models.MatchRound, error) {
	tx := w.DB()
	var p workflows.InternshipMatchPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return models.MatchRound{}, err
	}
	var round models.MatchRound
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&round, "id = ?", p.RoundID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.MatchRound{}, engine.Permanentf("match round %s does not exist", p.RoundID)
	}
	if err != nil {
		return models.MatchRound{}, fmt.Errorf("lock match round %s: %w", p.RoundID, err)
	}
	if round.Status != workflows.RoundQueued {
		return round, nil
	}
	now := h.Now().UTC()
	err = tx.Model(&round).Updates(map[string]any{"status": workflows.RoundRunning, "started_at": now}).Error
	if err != nil {
		return models.MatchRound{}, fmt.Errorf("start match round %s: %w", round.ID, err)
	}
	if err := w.Record(workflows.MatchRoundMachine,
		run.Transition(round.ID, workflows.RoundQueued, workflows.RoundRunning)); err != nil {
		return models.MatchRound{}, err
	}
	round.Status, round.StartedAt = workflows.RoundRunning, &now
	return round, nil
}

// MatchRound is the internship:match step: one round over every pending and
// unmatched application and every open place. It lapses overdue offers,
// loads the round in two queries, matches (workflows/matching), and saves
// the outcome set-based: offers and unmatched outcomes, the round's inputs
// and cutoffs, events and notifications, the offers' expiry task and the
// round's counts. All of it commits with the outbox row or not at all, and
// a round that is done does nothing, so a retried round never offers twice.
func (h *Handlers) MatchRound(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	round, err := h.startRound(w, run)
	if err != nil {
		return err
	}
	if round.Status != workflows.RoundRunning {
		return nil // done or failed already
	}
	began := time.Now()
	// A round's statements are few and large: memory to sort and hash them
	// without spilling to disk, and no JIT compilation (its estimates make
	// Postgres compile, which costs more than it saves here).
	if err := tx.Exec(`SET LOCAL work_mem = '64MB'; SET LOCAL jit = off`).Error; err != nil {
		return fmt.Errorf("tune the round's transaction: %w", err)
	}
	now := h.Now().UTC()
	expired, err := lapseOffers(w, run, now)
	if err != nil {
		return err
	}
	data, err := loadRound(w)
	if err != nil {
		return err
	}
	loaded := time.Now()
	plan := workflows.PlanRound(data.places, data.apps, uint64(round.Seed))
	res, err := matching.Match(plan.Input)
	if err != nil {
		return engine.Permanent(fmt.Errorf("match round %s: %w", round.ID, err))
	}
	matched := time.Now()
	expires := now.Add(h.OfferTTL)
	out := roundOutcome{round: round, data: data, plan: plan, res: res, expires: expires, now: now}
	counts, err := out.save(w, run)
	if err != nil {
		return err
	}
	saved := time.Now()
	updates := map[string]any{
		"status": workflows.RoundDone, "applicants": len(data.apps), "places": len(data.places), "seats": counts.seats,
		"matched": counts.matched, "unmatched": len(data.apps) - counts.matched, "proposals": res.Proposals,
		"expired_offers": expired, "load_ms": loaded.Sub(began).Milliseconds(), "match_ms": matched.Sub(loaded).Milliseconds(),
		"save_ms": saved.Sub(matched).Milliseconds(), "duration_ms": saved.Sub(began).Milliseconds(), "finished_at": now,
	}
	if counts.matched > 0 {
		updates["offers_expire_at"] = expires
	}
	if err := tx.Model(&round).Updates(updates).Error; err != nil {
		return fmt.Errorf("finish match round %s: %w", round.ID, err)
	}
	done := workflows.NewReason("", msg.RoundDone, msg.Int("matched", int64(counts.matched)),
		msg.Int("applicants", int64(len(data.apps))), msg.Int("places", int64(len(data.places))),
		msg.Int("unmatched", int64(len(data.apps)-counts.matched)))
	return w.Record(workflows.MatchRoundMachine, run.Transition(round.ID, workflows.RoundRunning, workflows.RoundDone, done))
}

// MatchFailed records on the round why its task gave up, which also lets
// the next round start.
func (h *Handlers) MatchFailed(ctx context.Context, w *engine.Work, run engine.Run, cause error) error {
	tx := w.DB()
	var p workflows.InternshipMatchPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return nil // nothing to record on
	}
	var round models.MatchRound
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&round, "id = ?", p.RoundID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lock match round %s: %w", p.RoundID, err)
	}
	if workflows.MatchRoundMachine.IsFinal(round.Status) {
		return nil
	}
	from := round.Status
	err = tx.Model(&round).Updates(map[string]any{"status": workflows.RoundFailed, "error": cause.Error(), "finished_at": h.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("fail match round %s: %w", round.ID, err)
	}
	// The cause is for ops (the round's error, Asynqmon); the timeline says
	// the round failed.
	return w.Record(workflows.MatchRoundMachine, run.Transition(round.ID, from, workflows.RoundFailed, workflows.NewReason("", msg.RoundFailed)))
}

// ExpireOffers is the internship:expire_offers step, scheduled for the
// moment a round's offers lapse: every offer past its deadline becomes
// declined and its place returns to the next round. Offers already
// answered, or lapsed by an earlier run or round, are no longer due.
func (h *Handlers) ExpireOffers(ctx context.Context, w *engine.Work, run engine.Run) error {
	tx := w.DB()
	var p workflows.InternshipExpireOffersPayload
	if err := engine.DecodePayload(run.Payload, &p); err != nil {
		return err
	}
	var round models.MatchRound
	err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&round, "id = ?", p.RoundID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.Permanentf("match round %s does not exist", p.RoundID)
	}
	if err != nil {
		return fmt.Errorf("lock match round %s: %w", p.RoundID, err)
	}
	now := h.Now().UTC()
	if round.OffersExpireAt != nil && now.Before(*round.OffersExpireAt) {
		// Delivered early (clocks differ): fail, and Asynq retries later.
		return fmt.Errorf("offers of round %s lapse at %s, not yet", round.ID, round.OffersExpireAt.UTC().Format(time.RFC3339))
	}
	_, err = lapseOffers(w, run, now)
	return err
}

// lapseOffers declines every offer whose deadline has passed at now, with
// one statement, and notifies the applicants.
func lapseOffers(w *engine.Work, run engine.Run, now time.Time) (int, error) {
	var rows []struct{ ID, AccountID string }
	// Rows are locked in id order, so a round and an expiry task lapsing
	// the same offers at once queue up instead of deadlocking.
	err := w.DB().Raw(`UPDATE internship_applications SET status = ?, updated_at = ?
		WHERE id IN (SELECT id FROM internship_applications WHERE status = ? AND offer_expires_at <= ? ORDER BY id FOR UPDATE)
			AND status = ?
		RETURNING id, account_id`,
		workflows.InternshipDeclined, now, workflows.InternshipOffered, now, workflows.InternshipOffered).Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("lapse overdue offers: %w", err)
	}
	owners := make([]string, len(rows))
	trs := make([]engine.Transition, len(rows))
	for i, r := range rows {
		owners[i] = r.AccountID
		trs[i] = run.Transition(r.ID, workflows.InternshipOffered, workflows.InternshipDeclined, workflows.ExpiredReason())
	}
	if err := w.AdvanceAll(workflows.InternshipMachine, owners, trs); err != nil {
		return 0, fmt.Errorf("lapse overdue offers: %w", err)
	}
	return len(rows), nil
}

// roundData is what a round reads: the open places (index = place in the
// round) and the candidates (index = applicant in the round).
type roundData struct {
	places []workflows.RoundPlace
	titles []string // "title at company", parallel to places
	apps   []workflows.RoundApplication
}

// loadRound reads the round's inputs with one query for the places and one
// for the candidates. Open places are held FOR SHARE until the round
// commits, so their capacity cannot shrink under it.
func loadRound(w *engine.Work) (roundData, error) {
	tx := w.DB()
	var places []struct {
		ID, Title, Company string
		Skills             models.TextArray
		Seats              int32
	}
	err := tx.Raw(`SELECT p.id, p.title, p.company, p.skills, p.capacity - coalesce(h.n, 0) AS seats
		FROM internship_places p
		LEFT JOIN (SELECT offer_place_id, count(*) AS n FROM internship_applications
			WHERE status IN ? GROUP BY offer_place_id) h ON h.offer_place_id = p.id
		WHERE p.status = ? ORDER BY p.id FOR SHARE OF p`,
		[]string{workflows.InternshipOffered, workflows.InternshipAccepted}, workflows.PlaceOpen).Scan(&places).Error
	if err != nil {
		return roundData{}, fmt.Errorf("load open places: %w", err)
	}
	var d roundData
	d.places = make([]workflows.RoundPlace, len(places))
	d.titles = make([]string, len(places))
	for i, p := range places {
		d.places[i] = workflows.RoundPlace{ID: p.ID, Skills: p.Skills, Seats: p.Seats}
		d.titles[i] = p.Title + " at " + p.Company
	}
	var certs, shops bool
	err = tx.Raw(`SELECT to_regclass('certificates') IS NOT NULL, to_regclass('shops') IS NOT NULL`).Row().Scan(&certs, &shops)
	if err != nil {
		return roundData{}, fmt.Errorf("look for the certificates and shops tables: %w", err)
	}
	rows, err := w.Query(candidatesQuery(certs, shops))
	if err != nil {
		return roundData{}, fmt.Errorf("load candidates: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a workflows.RoundApplication
		var prefs, skills string
		var certificates int
		if err := rows.Scan(&a.ID, &a.AccountID, &a.Status, &prefs, &skills, &certificates, &a.Profile.VerifiedShop); err != nil {
			return roundData{}, fmt.Errorf("load candidates: %w", err)
		}
		a.Preferences, a.Profile.Skills, a.Profile.CertificatesEarned = splitIDs(prefs), splitSkills(skills), certificates
		d.apps = append(d.apps, a)
	}
	if err := rows.Err(); err != nil {
		return roundData{}, fmt.Errorf("load candidates: %w", err)
	}
	return d, nil
}

// uuidLen is the length of a UUID's text form.
const uuidLen = 36

// splitIDs splits preferences sent as UUIDs joined by commas, without
// copying them.
func splitIDs(s string) []string {
	ids := make([]string, 0, (len(s)+1)/(uuidLen+1))
	for len(s) >= uuidLen {
		ids = append(ids, s[:uuidLen])
		s = s[min(uuidLen+1, len(s)):]
	}
	return ids
}

// skillSeparator (chr(31) in the query) joins skills on the wire;
// validation keeps control characters out of skills.
const skillSeparator = "\x1f"

func splitSkills(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, skillSeparator)
}

// candidatesQuery selects every pending and unmatched application, in id
// order (which fixes each one's lottery draw), with what places score:
// certificates earned (valid ones, from the training tables) and a verified
// shop. Either table may not exist yet in a deployment; then it counts as
// none.
func candidatesQuery(certificates, shops bool) string {
	certs, shop, joins := "0", "false", ""
	if certificates {
		certs = "coalesce(c.n, 0)"
		joins += ` LEFT JOIN (SELECT account_id, count(*) AS n FROM certificates WHERE status = 'valid' GROUP BY account_id) c
			ON c.account_id = a.account_id`
	}
	if shops {
		shop = "s.account_id IS NOT NULL"
		joins += ` LEFT JOIN (SELECT DISTINCT account_id FROM shops WHERE status = 'verified') s ON s.account_id = a.account_id`
	}
	// Arrays travel as joined text: database/sql gets arrays in text form,
	// and splitting is far cheaper than parsing array literals.
	return `SELECT a.id, a.account_id, a.status, array_to_string(a.preferences, ','),
			array_to_string(a.skills, chr(31)), ` + certs + `, ` + shop + `
		FROM internship_applications a` + joins + `
		WHERE a.status IN ('pending', 'unmatched') ORDER BY a.id`
}

// roundOutcome is a matched round ready to save.
type roundOutcome struct {
	round   models.MatchRound
	data    roundData
	plan    workflows.RoundPlan
	res     matching.Result
	expires time.Time
	now     time.Time
}

// roundCounts are the totals save reports.
type roundCounts struct {
	seats, matched int
}

// save writes the outcome with a fixed number of statements, whatever the
// number of applicants.
func (o roundOutcome) save(w *engine.Work, run engine.Run) (roundCounts, error) {
	var c roundCounts
	n := len(o.data.apps)
	ids, offered, scores := make([]string, n), make([]string, n), make([]string, n)
	choices := make([]int32, n)
	owners := make([]string, n)
	trs := make([]engine.Transition, n)
	var buf []byte
	for j, a := range o.data.apps {
		ids[j], owners[j] = a.ID, a.AccountID
		buf = appendIntArray(buf[:0], o.plan.Scores[j])
		scores[j] = string(buf)
		choices[j] = -1
		if p := o.res.Assigned[j]; p >= 0 {
			c.matched++
			pos := workflows.Position(o.plan.Scores[j], int(o.res.Choice[j]))
			offered[j], choices[j] = o.data.places[p].ID, int32(pos)
			trs[j] = run.Transition(a.ID, a.Status, workflows.InternshipOffered,
				workflows.OfferReason(o.data.titles[p], pos+1, o.expires))
		} else {
			trs[j] = run.Transition(a.ID, a.Status, workflows.InternshipUnmatched, workflows.UnmatchedReason())
		}
	}
	res, err := w.Exec(`UPDATE internship_applications a SET
			status = CASE WHEN u.place = '' THEN 'unmatched' ELSE 'offered' END,
			offer_place_id = NULLIF(u.place, '')::uuid,
			offer_expires_at = CASE WHEN u.place = '' THEN NULL ELSE $3::timestamptz END,
			round_id = $4, updated_at = $5
		FROM unnest($1::uuid[], $2::text[]) AS u(id, place)
		WHERE a.id = u.id AND a.status IN ('pending', 'unmatched')`,
		ids, offered, o.expires, o.round.ID, o.now)
	if err != nil {
		return c, fmt.Errorf("save round %s outcomes: %w", o.round.ID, err)
	}
	if got, _ := res.RowsAffected(); got != int64(n) {
		// Only rounds move these applications, and one runs at a time.
		return c, fmt.Errorf("save round %s outcomes: %d of %d applications were still candidates", o.round.ID, got, n)
	}
	_, err = w.Exec(`INSERT INTO match_round_entries (round_id, application_id, applicant, scores, place_id, choice)
		SELECT $1::uuid, u.id, u.ord - 1, u.scores::integer[], NULLIF(u.place, '')::uuid, NULLIF(u.choice, -1)
		FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS u(id, scores, place, choice, ord)`,
		o.round.ID, ids, scores, offered, choices)
	if err != nil {
		return c, fmt.Errorf("save round %s entries: %w", o.round.ID, err)
	}
	if c.seats, err = o.savePlaces(w); err != nil {
		return c, err
	}
	if err := w.AdvanceAll(workflows.InternshipMachine, owners, trs); err != nil {
		return c, fmt.Errorf("save round %s events: %w", o.round.ID, err)
	}
	if c.matched > 0 {
		if _, err := w.Enqueue(workflows.NewInternshipExpireOffersTask(o.round.ID, o.expires)); err != nil {
			return c, err
		}
	}
	return c, nil
}

// savePlaces records each place's seats, admissions and cutoff, and returns
// the round's total seats.
func (o roundOutcome) savePlaces(w *engine.Work) (int, error) {
	m := len(o.data.places)
	admitted := make([]int32, m)
	for _, p := range o.res.Assigned {
		if p >= 0 {
			admitted[p]++
		}
	}
	ids := make([]string, m)
	seats, cutScore, cutApplicant := make([]int32, m), make([]int32, m), make([]int32, m)
	total := 0
	for i, p := range o.data.places {
		ids[i], seats[i] = p.ID, o.plan.Input.Places[i].Capacity
		total += int(seats[i])
		cutScore[i], cutApplicant[i] = -1, -1
		if cut := o.res.Cutoff[i]; cut.Exists() {
			cutScore[i], cutApplicant[i] = cut.Score, cut.Applicant
		}
	}
	_, err := w.Exec(`INSERT INTO match_round_places
			(round_id, place_id, seats, admitted, cutoff_score, cutoff_applicant)
		SELECT $1::uuid, u.id, u.seats, u.admitted, NULLIF(u.score, -1), NULLIF(u.applicant, -1)
		FROM unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::int[]) AS u(id, seats, admitted, score, applicant)`,
		o.round.ID, ids, seats, admitted, cutScore, cutApplicant)
	if err != nil {
		return 0, fmt.Errorf("save round %s places: %w", o.round.ID, err)
	}
	return total, nil
}

// appendIntArray appends the Postgres text form of xs ("{1,-1,20}").
func appendIntArray(buf []byte, xs []int32) []byte {
	buf = append(buf, '{')
	for i, x := range xs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(x), 10)
	}
	return append(buf, '}')
}
