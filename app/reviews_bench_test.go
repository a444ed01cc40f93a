package app_test

import (
	"fmt"
	"testing"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/stretchr/testify/require"
)

// BenchmarkReviewQueue times one page (50) of a reviewer's queue with its
// total and everything a reviewer needs to judge (applicant, college, shop,
// programme), for a reviewer with `mine` assignments among `all` in the
// table, first page and a page deep in the list:
//
//	go test -run '^$' -bench ReviewQueue -benchtime 200x ./app/
func BenchmarkReviewQueue(b *testing.B) {
	for _, size := range []struct{ mine, all int }{{1_000, 20_000}, {20_000, 200_000}} {
		b.Run(fmt.Sprintf("mine=%d/all=%d", size.mine, size.all), func(b *testing.B) {
			db := testenv.Postgres(b).DB
			students, _ := fixtures.VerifiedStudents(b, db, 1)
			shop := fixtures.VerifiedShops(b, db, students)[0]
			me := fixtures.Reviewer(b, db, "")
			others := fixtures.Reviewer(b, db, "")
			prog := fixtures.FundProgram(b, db, []models.Account{me, others}, nil)
			// One application per assignment; the first `mine` are the
			// reviewer's, due over the next weeks (some overdue), half done.
			// (The applications are all one student's, so they stay
			// "submitted": one open application per programme and student.)
			require.NoError(b, db.Exec(`INSERT INTO fund_applications (id, program_id, account_id, shop_id, amount_fen, business_plan,
				status, reasons, score, score_factors, created_at, updated_at)
				SELECT gen_random_uuid(), ?, ?, ?, 10000 + i, 'plan ' || i, 'submitted', '[]', 50, '[]', now(), now()
				FROM generate_series(1, ?) AS i`, prog.ID, students[0].ID, shop.ID, size.all).Error)
			require.NoError(b, db.Exec(`INSERT INTO fund_reviews (id, application_id, reviewer_id, status, decision, score, assigned_at, due_at, reviewed_at)
				SELECT gen_random_uuid(), x.id, CASE WHEN x.n <= ? THEN ?::uuid ELSE ?::uuid END,
					CASE WHEN x.n % 2 = 0 THEN 'done' ELSE 'assigned' END,
					CASE WHEN x.n % 2 = 0 THEN 'approve' END, CASE WHEN x.n % 2 = 0 THEN 7 END,
					now(), now() + (x.n % 500 - 50) * interval '1 hour', CASE WHEN x.n % 2 = 0 THEN now() END
				FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM fund_applications) x`, size.mine, me.ID, others.ID).Error)
			require.NoError(b, db.Exec(`ANALYZE fund_reviews; ANALYZE fund_applications`).Error)
			a := fixtures.App(db)
			actor := app.ActorOf(me)
			first, err := a.AssignedReviews(b.Context(), actor, app.QueuePending, app.Page{})
			require.NoError(b, err)
			require.EqualValues(b, size.mine/2, first.Total)
			deep := first
			for range 5 {
				deep, err = a.AssignedReviews(b.Context(), actor, app.QueuePending, app.Page{Cursor: deep.NextCursor})
				require.NoError(b, err)
			}
			for _, page := range []struct {
				name   string
				status string
				cursor string
			}{{"pending-first", app.QueuePending, ""}, {"pending-page-7", app.QueuePending, deep.NextCursor},
				{"overdue", app.QueueOverdue, ""}, {"done-history", app.QueueDone, ""}} {
				b.Run(page.name, func(b *testing.B) {
					for b.Loop() {
						l, err := a.AssignedReviews(b.Context(), actor, page.status, app.Page{Cursor: page.cursor})
						if err != nil || len(l.Items) == 0 {
							b.Fatalf("queue: %v (%d items)", err, len(l.Items))
						}
					}
				})
			}
		})
	}
}
