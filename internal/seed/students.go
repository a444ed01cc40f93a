package seed

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// StudentsChunk is how many students one set-based statement inserts
// unless BulkStudents.Chunk says otherwise.
const StudentsChunk = 200_000

// StudentsPassword is the password of every account Students creates, so
// that loadgen and benchmarks can sign in as any of them.
const StudentsPassword = "scale-password-1"

// BulkStudents says what Students loads.
type BulkStudents struct {
	// N is the number of students.
	N int64
	// PasswordHash is the stored hash of StudentsPassword
	// (accounts.HashPassword), shared by every account.
	PasswordHash string
	// Chunk is the students per statement. Defaults to StudentsChunk.
	Chunk int64
	// Progress, when set, is called after each statement with the step
	// (the table being filled), the students done so far and the step's total.
	Progress func(step string, done, total int64)
}

// scaleBaseMillis is the time part (Unix ms) of the first seeded id:
// student i's ids carry base+i, so ids grow with i like UUIDv7 ids do and
// every index on them is appended to, not written at random.
const scaleBaseMillis = 1_780_000_000_000

// Students bulk-loads n students for scale measurements: an applicant
// account (e-mail s<i>@scale.campusbiz.test, password StudentsPassword) and
// a profile each, spread over the partner colleges and the onboarding
// states (90% verified, 5% pending, 3% rejected, 2% needs_info); a shop for
// one in ten (70% verified), a fund application in FirstProgram for one in
// fifty with a verified shop (spread over every state), and review
// assignments for those under review among n/50,000 (at least 10) reviewers.
// Every statement inserts up to Chunk students' rows with INSERT …
// SELECT over generate_series and commits on its own. Ids are derived from
// the student's number, so a second run (or one resumed after an
// interruption) inserts only what is missing. It needs the colleges and
// FirstProgram (LoadColleges, FundProgram).
func Students(ctx context.Context, db *gorm.DB, b BulkStudents) error {
	if b.Chunk <= 0 {
		b.Chunk = StudentsChunk
	}
	n := b.N
	db = db.WithContext(ctx)
	var programID string
	if err := db.Raw(`SELECT id FROM fund_programs WHERE name = ?`, FirstProgram.Name).Scan(&programID).Error; err != nil || programID == "" {
		return fmt.Errorf("bulk students: fund programme %q missing (run plain seed first): %v", FirstProgram.Name, err)
	}
	reviewers := max(10, n/50_000)
	steps := []struct {
		name  string
		total int64
		sql   string
	}{
		{"reviewers", reviewers, reviewersSQL},
		{"accounts", n, accountsSQL},
		{"profiles", n, profilesSQL},
		{"shops", n, shopsSQL},
		{"fund applications", n, fundSQL},
		{"fund reviews", n, reviewsSQL},
	}
	for _, st := range steps {
		for lo := int64(1); lo <= st.total; lo += b.Chunk {
			hi := min(lo+b.Chunk-1, st.total)
			err := db.Exec(st.sql, map[string]any{
				"lo": lo, "hi": hi, "hash": b.PasswordHash, "program": programID,
				"reviewers": reviewers, "base": scaleBaseMillis,
			}).Error
			if err != nil {
				return fmt.Errorf("bulk students: %s %d-%d: %w", st.name, lo, hi, err)
			}
			if b.Progress != nil {
				b.Progress(st.name, hi, st.total)
			}
		}
	}
	return nil
}

// scaleID is the SQL of a UUIDv7-shaped id for student i (column i) of a
// kind (one letter per table): time part base+i, the rest from md5.
func scaleID(kind string) string {
	h := "md5('" + kind + "' || i)"
	return "(lpad(to_hex(CAST(@base AS bigint) + i), 12, '0') || '7' || substr(" + h + ", 1, 3) || '8' || substr(" + h + ", 4, 15))::uuid"
}

// colleges is a CTE of the partner colleges numbered from 0, with their
// first e-mail domain.
const colleges = `colleges_n AS (
	SELECT id, email_domains->>0 AS domain, row_number() OVER (ORDER BY name) - 1 AS k, count(*) OVER () AS total
	FROM colleges)`

var (
	reviewersSQL = `WITH ` + colleges + `
INSERT INTO accounts (id, email, password_hash, name, role, college_id, created_at)
SELECT ` + scaleID("r") + `, 'r' || i || '@scale.campusbiz.test', @hash, 'Scale reviewer ' || i, 'reviewer', c.id, now()
FROM generate_series(CAST(@lo AS bigint), CAST(@hi AS bigint)) i JOIN colleges_n c ON c.k = i % c.total
ON CONFLICT DO NOTHING`

	accountsSQL = `INSERT INTO accounts (id, email, password_hash, name, role, created_at)
SELECT ` + scaleID("a") + `, 's' || i || '@scale.campusbiz.test', @hash, 'Scale student ' || i, 'applicant',
	to_timestamp((CAST(@base AS bigint) + i) / 1000.0)
FROM generate_series(CAST(@lo AS bigint), CAST(@hi AS bigint)) i
ON CONFLICT DO NOTHING`

	// The state comes from i % 100: 0-89 verified, 90-94 pending,
	// 95-97 rejected, 98-99 needs_info.
	profilesSQL = `WITH ` + colleges + `
INSERT INTO student_profiles (id, account_id, college_id, student_number, full_name, enrollment_year, major,
	college_email, phone, status, reasons, created_at, updated_at, verified_at)
SELECT ` + scaleID("p") + `, ` + scaleID("a") + `, c.id, lpad(i::text, 10, '0'), 'Scale student ' || i,
	2022 + (i % 4)::int, 'E-commerce', 's' || i || '@' || c.domain, '138' || lpad((i % 100000000)::text, 8, '0'),
	st.status, st.reasons::jsonb, to_timestamp((CAST(@base AS bigint) + i) / 1000.0), to_timestamp((CAST(@base AS bigint) + i) / 1000.0),
	CASE WHEN st.status = 'verified' THEN to_timestamp((CAST(@base AS bigint) + i) / 1000.0) END
FROM generate_series(CAST(@lo AS bigint), CAST(@hi AS bigint)) i
JOIN colleges_n c ON c.k = i % c.total
CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 < 90 THEN 'verified' WHEN i % 100 < 95 THEN 'pending'
	WHEN i % 100 < 98 THEN 'rejected' ELSE 'needs_info' END AS status) s0
CROSS JOIN LATERAL (SELECT s0.status, CASE WHEN s0.status IN ('rejected', 'needs_info')
	THEN '[{"field": "student_number", "code": "onboarding.student_number_format"}]'
	ELSE '[]' END AS reasons) st
ON CONFLICT DO NOTHING`

	// Students with i % 10 = 3 (all verified) have a shop: i % 100 < 70
	// verified, < 90 pending, else rejected (by i / 10 % 10).
	shopsSQL = `INSERT INTO shops (id, account_id, platform_shop_id, shop_url, url_key, shop_name, category,
	verification_code, status, created_at, updated_at, verified_at)
SELECT ` + scaleID("s") + `, ` + scaleID("a") + `, 'scale-' || i, 'https://shop.example.com/scale-' || i,
	'https://shop.example.com/scale-' || i, 'Scale shop ' || i, 'food', 'CB-' || substr(md5('c' || i), 1, 8),
	CASE WHEN i / 10 % 10 < 7 THEN 'verified' WHEN i / 10 % 10 < 9 THEN 'pending' ELSE 'rejected' END,
	to_timestamp((CAST(@base AS bigint) + i) / 1000.0), to_timestamp((CAST(@base AS bigint) + i) / 1000.0),
	CASE WHEN i / 10 % 10 < 7 THEN to_timestamp((CAST(@base AS bigint) + i) / 1000.0) END
FROM generate_series(CAST(@lo AS bigint), CAST(@hi AS bigint)) i
WHERE i % 10 = 3
ON CONFLICT DO NOTHING`

	// One in fifty students applies (i % 50 = 3: their shop is verified,
	// since i / 10 % 10 is 0 or 5), in the state that i / 50 % 10 picks.
	fundSQL = `INSERT INTO fund_applications (id, program_id, account_id, shop_id, amount_fen, business_plan, status,
	score, created_at, updated_at, decided_at, disbursed_at)
SELECT ` + scaleID("f") + `, CAST(@program AS uuid), ` + scaleID("a") + `, ` + scaleID("s") + `, 500000 + (i % 7) * 100000,
	'Scale business plan ' || i, st.status, CASE WHEN st.status <> 'submitted' THEN 40 + (i % 50)::int END,
	to_timestamp((CAST(@base AS bigint) + i) / 1000.0), to_timestamp((CAST(@base AS bigint) + i) / 1000.0),
	CASE WHEN st.status IN ('approved', 'disbursed', 'rejected') THEN to_timestamp((CAST(@base AS bigint) + i) / 1000.0) END,
	CASE WHEN st.status = 'disbursed' THEN to_timestamp((CAST(@base AS bigint) + i) / 1000.0) END
FROM generate_series(CAST(@lo AS bigint), CAST(@hi AS bigint)) i
CROSS JOIN LATERAL (SELECT (ARRAY['submitted', 'screening', 'in_review', 'in_review', 'in_review', 'rejected',
	'rejected', 'waitlisted', 'withdrawn', 'in_review'])[1 + i / 50 % 10] AS status) st
WHERE i % 50 = 3
ON CONFLICT DO NOTHING`

	// Two assignments per application under review: a reviewer picked by a
	// hash of the student's number (so every reviewer gets a share) and the
	// next one.
	reviewsSQL = `INSERT INTO fund_reviews (id, application_id, reviewer_id, status, assigned_at, due_at)
SELECT (lpad(to_hex(CAST(@base AS bigint) + i), 12, '0') || '7' || substr(md5('v' || r || i), 1, 3) || '8' || substr(md5('v' || r || i), 4, 15))::uuid,
	` + scaleID("f") + `,
	(lpad(to_hex(CAST(@base AS bigint) + rv), 12, '0') || '7' || substr(md5('r' || rv), 1, 3) || '8' || substr(md5('r' || rv), 4, 15))::uuid,
	'assigned', to_timestamp((CAST(@base AS bigint) + i) / 1000.0), to_timestamp((CAST(@base AS bigint) + i) / 1000.0) + interval '72 hours'
FROM generate_series(CAST(@lo AS bigint), CAST(@hi AS bigint)) i
CROSS JOIN generate_series(0, 1) r
CROSS JOIN LATERAL (SELECT 1 + ((hashint8(i) & 2147483647) + r) % CAST(@reviewers AS bigint) AS rv) pick
WHERE i % 50 = 3 AND (1 + i / 50 % 10) IN (3, 4, 5, 10)
ON CONFLICT DO NOTHING`
)
