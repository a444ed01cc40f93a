package msg

// Timeline notes: what an event on a workflow's timeline says beside its
// state change, when the change has more to tell than the entity's reasons.
const (
	// FundScreened: screening scored the application {score} of 100 and
	// assigned {reviewers} reviewers, whose reviews are due by {due}.
	FundScreened = "fund.screened"
	// FundReviewsReassigned: {late} reviews missed their deadline; {moved}
	// went to other reviewers and {extended} kept with the deadline
	// extended; reviews are now due by {due}.
	FundReviewsReassigned = "fund.reviews_reassigned"
	// FundGrantReserved: {amount} (fen) is reserved for the applicant.
	FundGrantReserved = "fund.grant_reserved"
	// FundPromoted: money was released and the application was next on the
	// waitlist.
	FundPromoted = "fund.promoted"
	// FundPaid: {amount} (fen) was paid, reference {reference}.
	FundPaid = "fund.paid"
	// CertificateIssued: certificate {serial} was issued; anyone can verify
	// it at {url}.
	CertificateIssued = "certificate.issued"
	// RoundDone: the round offered {matched} of {applicants} applicants a
	// place among {places}; {unmatched} take part in the next.
	RoundDone = "internship.round_done"
	// RoundFailed: the round could not run; ops were alerted.
	RoundFailed = "internship.round_failed"
	// InternshipOfferMade: the applicant is offered {place}, their choice
	// {rank}, to accept or decline by {expires}; then it lapses and the
	// place goes back to the next round.
	InternshipOfferMade = "internship.offer_made"
	// InternshipNoOffer: no offer in this round: every place the applicant
	// ranked was filled by higher scores, or closed; they stay in the next
	// round, and their application explains each place.
	InternshipNoOffer = "internship.no_offer"
	// InternshipOfferExpired: the offer was not answered in time and lapsed;
	// the place goes back to the next round, and the applicant may apply
	// again.
	InternshipOfferExpired = "internship.offer_expired"
)

// Review progress on a fund application's timeline.
const (
	// FundReviewReceived: review {received} of {total} is in (reviewers stay
	// anonymous).
	FundReviewReceived = "fund.review_received"
)

// Training results on an enrollment's timeline.
const (
	// TrainingPassed: the score {score} of {max} passed (pass score {pass});
	// the certificate is being issued.
	TrainingPassed = "training.passed"
)

// Certificates on their timeline.
const (
	// CertificateRevokedBecause: an admin revoked the certificate, saying
	// {reason} (the admin's own words).
	CertificateRevokedBecause = "certificate.revoked_because"
)

// Internship applications on their timeline.
const (
	// InternshipWaiting: the application waits for the next matching round.
	InternshipWaiting = "internship.waiting"
	// InternshipDeclinedByApplicant: the applicant declined the offer; the
	// place goes back to the next round.
	InternshipDeclinedByApplicant = "internship.declined_by_applicant"
	// InternshipAcceptedByApplicant: the applicant accepted the offer.
	InternshipAcceptedByApplicant = "internship.accepted_by_applicant"
)

// Notifications: what an in-app notification (and its e-mail) tells.
const (
	// NoticeStateChanged: the reader's {entity} (a workflow: onboarding,
	// shop, fund, internship, enrollment, certificate) is now {state}; the
	// event's reasons follow.
	NoticeStateChanged = "notice.state_changed"
	// NoticeReviewAssigned: a fund application awaits the reader's review,
	// due by {due}.
	NoticeReviewAssigned = "notice.review_assigned"
)
