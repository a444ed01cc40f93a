package msg

// The reviewer's workbench: conflicts of interest, and the ranking's
// calibration.
const (
	// FundConflictDeclared: the reviewer has declared a conflict of
	// interest with the application already.
	FundConflictDeclared = "fund.conflict_declared"
	// FundConflictReassigned: a reviewer declared a conflict of interest
	// and another reviewer took the application over (timeline).
	FundConflictReassigned = "fund.conflict_reassigned"
	// FundConflictUnreplaced: a reviewer declared a conflict of interest
	// and no other reviewer was free to take it over; the application is
	// decided on the other reviews (timeline).
	FundConflictUnreplaced = "fund.conflict_unreplaced"
)
