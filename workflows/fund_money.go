package workflows

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workflows/engine"
)

// Ledger entry kinds. A programme's reserved_fen is the sum of its reserve
// entries less its release and disburse entries; its disbursed_fen is the sum
// of its disburse entries.
const (
	LedgerReserve  = "reserve"
	LedgerRelease  = "release"
	LedgerDisburse = "disburse"
)

// lockProgram takes the programme row's lock. Every movement of a
// programme's money takes it first, so that a decision that waitlists an
// application and a release that moves the waitlist up never miss each
// other: one of them commits first and the other sees it.
func lockProgram(tx *gorm.DB, programID string) error {
	var id string
	err := tx.Raw(`SELECT id FROM fund_programs WHERE id = ? FOR UPDATE`, programID).Row().Scan(&id)
	if err != nil {
		return fmt.Errorf("lock programme %s: %w", programID, err)
	}
	return nil
}

// ReserveGrant reserves app's amount in its programme and records the
// reservation in the ledger under key. The reservation is one conditional
// update, so however many decisions run at once the programme never
// reserves beyond its budget. It reports false, changing nothing, when the
// remaining budget cannot cover the amount.
func ReserveGrant(ctx context.Context, tx *gorm.DB, app models.FundApplication, key string) (bool, error) {
	tx = tx.WithContext(ctx)
	if err := lockProgram(tx, app.ProgramID); err != nil {
		return false, err
	}
	res := tx.Exec(`UPDATE fund_programs SET reserved_fen = reserved_fen + ?
		WHERE id = ? AND budget_fen - reserved_fen - disbursed_fen >= ?`, app.AmountFen, app.ProgramID, app.AmountFen)
	if res.Error != nil {
		return false, fmt.Errorf("reserve %d fen for %s: %w", app.AmountFen, app.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return false, nil
	}
	if _, err := insertLedger(tx, app, LedgerReserve, key, ""); err != nil {
		return false, err
	}
	return true, nil
}

// ReleaseGrant gives an approved application's reservation back to its
// programme, records the release in the ledger under key, and enqueues the
// move up of the programme's waitlist, in the unit of work w.
func ReleaseGrant(w *engine.Work, app models.FundApplication, key string) error {
	tx := w.DB()
	if err := lockProgram(tx, app.ProgramID); err != nil {
		return err
	}
	res := tx.Exec(`UPDATE fund_programs SET reserved_fen = reserved_fen - ? WHERE id = ? AND reserved_fen >= ?`,
		app.AmountFen, app.ProgramID, app.AmountFen)
	if res.Error != nil {
		return fmt.Errorf("release %d fen of %s: %w", app.AmountFen, app.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Permanentf("release %d fen of %s: the programme has less reserved", app.AmountFen, app.ID)
	}
	if _, err := insertLedger(tx, app, LedgerRelease, key, ""); err != nil {
		return err
	}
	_, err := w.Enqueue(NewFundPromoteTask(app.ProgramID))
	return err
}

func insertLedger(tx *gorm.DB, app models.FundApplication, kind, key, reference string) (models.FundLedgerEntry, error) {
	e := models.FundLedgerEntry{ID: models.NewID(), ProgramID: app.ProgramID, ApplicationID: app.ID, Kind: kind,
		AmountFen: app.AmountFen, IdempotencyKey: key, Reference: reference}
	if err := tx.Create(&e).Error; err != nil {
		return models.FundLedgerEntry{}, fmt.Errorf("ledger %s of %s: %w", kind, app.ID, err)
	}
	return e, nil
}

// Payment is one grant to pay.
type Payment struct {
	// IdempotencyKey makes a repeated payment a no-op: the fund:disburse
	// task's id.
	IdempotencyKey string
	Application    models.FundApplication
}

// Receipt proves a payment.
type Receipt struct {
	// Reference is the payment's reference at the provider.
	Reference string
	// LedgerID is the disbursement's ledger entry.
	LedgerID string
}

// Payments pays grants. Pay runs inside the disbursement's transaction and
// must be idempotent by IdempotencyKey: a second call with the same key pays
// nothing and returns the first call's receipt. It moves the amount from
// the programme's reserved to its disbursed money and records the
// disbursement in the ledger. A payment the provider refuses for good is a
// Permanent error.
type Payments interface {
	Pay(ctx context.Context, tx *gorm.DB, p Payment) (Receipt, error)
}

// LedgerPayments is the shipped Payments: the payment is the ledger entry
// itself (a payment provider is an adapter for later, which calls the
// provider with the key and then records through LedgerPayments).
type LedgerPayments struct{}

// Pay records the disbursement of p in the ledger and the programme.
func (LedgerPayments) Pay(ctx context.Context, tx *gorm.DB, p Payment) (Receipt, error) {
	tx = tx.WithContext(ctx)
	var prior models.FundLedgerEntry
	err := tx.Take(&prior, "idempotency_key = ?", p.IdempotencyKey).Error
	if err == nil {
		return Receipt{Reference: prior.Reference, LedgerID: prior.ID}, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return Receipt{}, fmt.Errorf("look up payment %s: %w", p.IdempotencyKey, err)
	}
	app := p.Application
	res := tx.Exec(`UPDATE fund_programs SET reserved_fen = reserved_fen - ?, disbursed_fen = disbursed_fen + ?
		WHERE id = ? AND reserved_fen >= ?`, app.AmountFen, app.AmountFen, app.ProgramID, app.AmountFen)
	if res.Error != nil {
		return Receipt{}, fmt.Errorf("disburse %d fen to %s: %w", app.AmountFen, app.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		return Receipt{}, engine.Permanentf("disburse %d fen to %s: the programme has less reserved", app.AmountFen, app.ID)
	}
	e, err := insertLedger(tx, app, LedgerDisburse, p.IdempotencyKey, "ledger:"+p.IdempotencyKey)
	if err != nil {
		return Receipt{}, err
	}
	return Receipt{Reference: e.Reference, LedgerID: e.ID}, nil
}
