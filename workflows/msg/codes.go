package msg

// The codes of every message, grouped by area. Each comment says what the
// message tells and names its parameters ({name}); internal/i18n holds the
// sentence for each code in every language, and a test there fails when a
// code below lacks one.

// Field messages: why one field of a form or JSON body is not accepted.
// They read as the rest of a sentence whose subject is the field.
const (
	// FieldRequired: the field is missing or empty.
	FieldRequired = "field.required"
	// FieldTooLong: the text has more than {max} characters.
	FieldTooLong = "field.too_long"
	// FieldTooShort: the text has fewer than {min} characters.
	FieldTooShort = "field.too_short"
	// FieldTooSmall: the number is below {min}.
	FieldTooSmall = "field.too_small"
	// FieldTooBig: the number is above {max}.
	FieldTooBig = "field.too_big"
	// FieldTooFew: the list has fewer than {min} items.
	FieldTooFew = "field.too_few"
	// FieldTooMany: the list has more than {max} items.
	FieldTooMany = "field.too_many"
	// FieldOneOf: the value is none of {values}.
	FieldOneOf = "field.one_of"
	// FieldEmail: the value is not an e-mail address.
	FieldEmail = "field.email"
	// FieldID: the value is not an id this system gave out.
	FieldID = "field.id"
	// FieldMobile: the value is not a mainland mobile number ({example}).
	FieldMobile = "field.mobile"
	// FieldURL: the value is not an http(s) address.
	FieldURL = "field.url"
	// FieldDomain: the value is not a domain name.
	FieldDomain = "field.domain"
	// FieldControlChars: the text holds characters that are not allowed.
	FieldControlChars = "field.control_chars"
	// FieldWholeNumber: the value is not a whole number.
	FieldWholeNumber = "field.whole_number"
	// FieldNumber: the value is not a number.
	FieldNumber = "field.number"
	// FieldString: the value is not text.
	FieldString = "field.string"
	// FieldList: the value is not a list.
	FieldList = "field.list"
	// FieldBool: the value is neither true nor false.
	FieldBool = "field.bool"
	// FieldObject: the value is not an object.
	FieldObject = "field.object"
	// FieldUnknown: the body names a field the request does not have.
	FieldUnknown = "field.unknown_field"
	// FieldInvalid: the value breaks the rule {rule} (a rule without its own code).
	FieldInvalid = "field.invalid"
	// FieldBlank: the text holds only spaces.
	FieldBlank = "field.blank"
	// FieldTime: the value is not an RFC 3339 time such as {example}.
	FieldTime = "field.time"
	// FieldRange: the value is not a whole number from {min} to {max}.
	FieldRange = "field.range"
	// FieldCursor: the value is not a cursor this API gave out.
	FieldCursor = "field.cursor"
	// FieldDecimals: the number has more than {max} decimals.
	FieldDecimals = "field.decimals"
	// FieldYuan: the value is not an amount in yuan such as {example}.
	FieldYuan = "field.yuan"
	// FieldYuanRange: the amount is not from {min} to {max} (in fen).
	FieldYuanRange = "field.yuan_range"
	// FieldAlreadyRegistered: the e-mail address has an account already.
	FieldAlreadyRegistered = "field.already_registered"
	// FieldTaken: another record has this value already.
	FieldTaken = "field.taken"
	// FieldSerial: the value is not a certificate serial.
	FieldSerial = "field.serial"
)

// Generic API errors: the message of an error that has no more specific one.
const (
	// ErrorUnauthenticated: the request carries no sign-in.
	ErrorUnauthenticated = "error.unauthenticated"
	// ErrorForbidden: the caller's role may not do this.
	ErrorForbidden = "error.forbidden"
	// ErrorNotFound: there is no such resource, or the caller may not see it.
	ErrorNotFound = "error.not_found"
	// ErrorMethodNotAllowed: the resource does not answer this method.
	ErrorMethodNotAllowed = "error.method_not_allowed"
	// ErrorConflict: the resource's state does not allow the request.
	ErrorConflict = "error.conflict"
	// ErrorValidation: some fields are not valid (the fields say which).
	ErrorValidation = "error.validation"
	// ErrorBadQuery: a query parameter is not valid (the fields say which).
	ErrorBadQuery = "error.bad_query"
	// ErrorBodyEmpty: the request has no body.
	ErrorBodyEmpty = "error.body_empty"
	// ErrorBodyNotJSON: the body is not valid JSON.
	ErrorBodyNotJSON = "error.body_not_json"
	// ErrorBodyNotObject: the body is JSON but not an object.
	ErrorBodyNotObject = "error.body_not_object"
	// ErrorBodyNotSingle: the body holds more than one JSON value.
	ErrorBodyNotSingle = "error.body_not_single"
	// ErrorBodyTooLarge: the body is larger than the API accepts (1 MiB).
	ErrorBodyTooLarge = "error.body_too_large"
	// ErrorBodyUnreadable: the body could not be read.
	ErrorBodyUnreadable = "error.body_unreadable"
	// ErrorMediaType: the body is not sent as application/json.
	ErrorMediaType = "error.media_type"
	// ErrorRateLimited: too many requests; wait and try again.
	ErrorRateLimited = "error.rate_limited"
	// ErrorUnavailable: the service is busy or a dependency is down.
	ErrorUnavailable = "error.unavailable"
	// ErrorDatabaseUnavailable: the database does not answer.
	ErrorDatabaseUnavailable = "error.database_unavailable"
	// ErrorNotReady: the services {services} do not answer.
	ErrorNotReady = "error.not_ready"
	// ErrorMonitoringOff: this process serves no monitoring.
	ErrorMonitoringOff = "error.monitoring_off"
	// ErrorCrossSite: a change sent from another site is refused.
	ErrorCrossSite = "error.cross_site"
	// ErrorInternal: something failed on our side.
	ErrorInternal = "error.internal"
	// ErrorHTTP: an HTTP error {status} without a more specific message.
	ErrorHTTP = "error.http"
)

// Accounts and sign-in.
const (
	// AuthBadCredentials: the e-mail address or the password is wrong.
	AuthBadCredentials = "auth.bad_credentials"
	// AuthTokenInvalid: the sign-in token is invalid, expired or signed out.
	AuthTokenInvalid = "auth.token_invalid"
	// AuthEmailTaken: the e-mail address has an account already.
	AuthEmailTaken = "auth.email_taken"
)

// Colleges.
const (
	// CollegeNameTaken: a college with this name exists.
	CollegeNameTaken = "college.name_taken"
	// CollegeNotPartner: the id names no partner college.
	CollegeNotPartner = "college.not_partner"
	// CollegeBadID: the value cannot be a college id.
	CollegeBadID = "college.bad_id"
)

// Onboarding (the student profile).
const (
	// OnboardingRequired: the caller has no student profile yet, and only
	// verified students may do this.
	OnboardingRequired = "onboarding.required"
	// OnboardingNotVerified: the caller's profile is {status}, and only
	// verified students may do this.
	OnboardingNotVerified = "onboarding.not_verified"
	// OnboardingExists: the caller has a profile already (resubmit it instead).
	OnboardingExists = "onboarding.exists"
	// OnboardingNotResubmittable: a {status} profile cannot be resubmitted.
	OnboardingNotResubmittable = "onboarding.not_resubmittable"
	// OnboardingAlreadyVerified: another verified student of the college has
	// this student number (the profile is rejected).
	OnboardingAlreadyVerified = "onboarding.already_verified"
	// OnboardingEmailDomain: the college e-mail is not on the college's
	// domains {domains}.
	OnboardingEmailDomain = "onboarding.email_domain"
	// OnboardingStudentNumber: the student number is not 6 to 20 letters or digits.
	OnboardingStudentNumber = "onboarding.student_number_format"
	// OnboardingYearInFuture: the enrollment year is after {year}.
	OnboardingYearInFuture = "onboarding.enrollment_year_future"
	// OnboardingYearTooOld: only students who enrolled in {year} or later can join.
	OnboardingYearTooOld = "onboarding.enrollment_year_not_current"
	// DisputeNotDisputable: only a profile refused because another profile
	// holds its college and student number can dispute that one.
	DisputeNotDisputable = "dispute.not_disputable"
	// DisputeOpen: the profile has an open dispute already.
	DisputeOpen = "dispute.open"
	// DisputeDecided: a {status} dispute cannot be decided again.
	DisputeDecided = "dispute.decided"
	// DisputeOtherGone: the disputed profile is no longer verified ({status}).
	DisputeOtherGone = "dispute.other_gone"
	// DisputeFiled: the timeline note of a filed dispute.
	DisputeFiled = "dispute.filed"
	// DisputeUpheld: an admin upheld the dispute: {reason}.
	DisputeUpheld = "dispute.upheld"
	// DisputeDismissed: an admin dismissed the dispute: {reason}.
	DisputeDismissed = "dispute.dismissed"
	// OnboardingRevokedByDispute: the verification was revoked when an admin
	// upheld another student's claim to the student number: {reason}.
	OnboardingRevokedByDispute = "onboarding.revoked_by_dispute"
	// OnboardingDisputeWon: the claimant's profile is checked again after
	// their dispute was upheld.
	OnboardingDisputeWon = "onboarding.dispute_won"
	// OwnerVerificationRevoked: a shop rejected, an application withdrawn
	// or a certificate revoked because its owner's verification was revoked.
	OwnerVerificationRevoked = "onboarding.owner_revoked"
	// OnboardingEmailCodeFormat: an e-mail code is six digits.
	OnboardingEmailCodeFormat = "onboarding.email_code_format"
	// OnboardingEmailCodeWrong: the code does not match; {left} tries remain.
	OnboardingEmailCodeWrong = "onboarding.email_code_wrong"
	// OnboardingEmailCodeExpired: the code's time is up; ask for a new one.
	OnboardingEmailCodeExpired = "onboarding.email_code_expired"
	// OnboardingEmailCodeAttempts: too many wrong tries burnt the code; ask
	// for a new one.
	OnboardingEmailCodeAttempts = "onboarding.email_code_attempts"
	// OnboardingEmailCodeMissing: no code is waiting to be confirmed (none
	// was mailed yet, or it was used); ask for a new one.
	OnboardingEmailCodeMissing = "onboarding.email_code_missing"
	// OnboardingNotAwaitingEmail: a {status} profile has no code to confirm
	// or re-send.
	OnboardingNotAwaitingEmail = "onboarding.not_awaiting_email"
	// OnboardingEmailCodeSent: the reason on the timeline: a code went to
	// the college address {email} (masked).
	OnboardingEmailCodeSent = "onboarding.email_code_sent"
	// OnboardingEmailConfirmed: the reason on the timeline: the college
	// mailbox was proven by its code.
	OnboardingEmailConfirmed = "onboarding.email_confirmed"
)

// Shops.
const (
	// ShopURLInvalid: the shop address is not the http(s) address of a
	// public page (no user name or password).
	ShopURLInvalid = "shop.url_invalid"
	// ShopExists: the caller has shop {platform_shop_id} pending or verified already.
	ShopExists = "shop.exists"
	// ShopExistsOtherID: the caller has this shop pending or verified under another id.
	ShopExistsOtherID = "shop.exists_other_id"
	// ShopNotRecheckable: a {status} shop cannot be checked again.
	ShopNotRecheckable = "shop.not_recheckable"
	// ShopCannotBecome: a {from} shop cannot become {to}.
	ShopCannotBecome = "shop.cannot_become"
	// ShopClaimed: another student has verified this shop id or address.
	ShopClaimed = "shop.claimed"
	// ShopStudentNotVerified: the owner is not a verified student yet.
	ShopStudentNotVerified = "shop.student_not_verified"
	// ShopIDClaimed: another student has verified a shop with this platform id.
	ShopIDClaimed = "shop.id_claimed"
	// ShopURLClaimed: another student has verified a shop with this address.
	ShopURLClaimed = "shop.url_claimed"
	// ShopURLLinked: the caller has this page pending or verified as shop {platform_shop_id}.
	ShopURLLinked = "shop.url_linked"
	// ShopChecksWaiting: the caller already has {max} shops waiting for a
	// check (SHOP_PENDING_PER_ACCOUNT).
	ShopChecksWaiting = "shop.checks_waiting"
	// ShopCodeNotFound: the verification code {code} is not on {url} yet.
	ShopCodeNotFound = "shop.code_not_found"
	// ShopPageRedirects: the shop page redirects more than {max} times.
	ShopPageRedirects = "shop.page_redirects"
	// ShopPageRedirectNotHTTP: the shop page redirects to an address that is not http(s).
	ShopPageRedirectNotHTTP = "shop.page_redirect_not_http"
	// ShopPageNotHTTP: the shop address is not an http(s) address.
	ShopPageNotHTTP = "shop.page_not_http"
	// ShopPageStatus: the shop page answered HTTP {status}, not the page itself.
	ShopPageStatus = "shop.page_status"
	// ShopPagePrivate: the shop address leads to a private or local network.
	ShopPagePrivate = "shop.page_private"
	// ShopHostNotFound: the shop's host name {host} does not exist.
	ShopHostNotFound = "shop.host_not_found"
	// ShopPageUnreachable: the shop page could not be reached after {tries} tries.
	ShopPageUnreachable = "shop.page_unreachable"
	// ShopAwaitingAdmin: an admin will confirm that the shop is the student's.
	ShopAwaitingAdmin = "shop.awaiting_admin"
	// ShopRejectedByAdmin: an admin rejected the shop, saying {reason}
	// (the admin's own words).
	ShopRejectedByAdmin = "shop.rejected_by_admin"
	// ShopRejectReasonRequired: an admin's rejection must say what to fix.
	ShopRejectReasonRequired = "shop.reject_reason_required"
)

// Fund programmes, applications and reviews.
const (
	// FundProgramNameTaken: a programme named {name} exists.
	FundProgramNameTaken = "fund.program_name_taken"
	// FundMaxGrantOverBudget: the largest grant is more than the budget.
	FundMaxGrantOverBudget = "fund.max_grant_over_budget"
	// FundApprovalsOverReviewers: more approvals required than reviewers per application.
	FundApprovalsOverReviewers = "fund.approvals_over_reviewers"
	// FundClosesBeforeOpens: the programme closes before it opens.
	FundClosesBeforeOpens = "fund.closes_before_opens"
	// FundPanelTooSmall: the panel needs at least {min} reviewers.
	FundPanelTooSmall = "fund.panel_too_small"
	// FundPanelDuplicate: the panel lists a reviewer twice.
	FundPanelDuplicate = "fund.panel_duplicate"
	// FundPanelNotReviewers: the panel names accounts that are not reviewers.
	FundPanelNotReviewers = "fund.panel_not_reviewers"
	// FundProgramUnknown: the id names no fund programme.
	FundProgramUnknown = "fund.program_unknown"
	// FundShopNotYours: the shop is not one of the applicant's.
	FundShopNotYours = "fund.shop_not_yours"
	// FundNotWithdrawable: a {status} application cannot be withdrawn.
	FundNotWithdrawable = "fund.not_withdrawable"
	// FundReviewNotAssigned: only the reviewers assigned to the application may review it.
	FundReviewNotAssigned = "fund.review_not_assigned"
	// FundReviewDone: the reviewer has reviewed the application already.
	FundReviewDone = "fund.review_done"
	// FundReviewExpired: the assignment passed its deadline and went to another reviewer.
	FundReviewExpired = "fund.review_expired"
	// FundReviewClosed: the application is {status} and takes no more reviews.
	FundReviewClosed = "fund.review_closed"
	// FundStudentNotVerified: only verified students can apply.
	FundStudentNotVerified = "fund.student_not_verified"
	// FundShopNotVerified: the shop must be the applicant's and verified.
	FundShopNotVerified = "fund.shop_not_verified"
	// FundAlreadyApplied: the applicant has an open application {application_id}
	// to this programme.
	FundAlreadyApplied = "fund.already_applied"
	// FundAmountOverCap: the programme grants at most {max} (fen).
	FundAmountOverCap = "fund.amount_over_cap"
	// FundNotOpen: the programme opens for applications at {opens_at}.
	FundNotOpen = "fund.not_open"
	// FundClosed: the programme closed for applications at {closes_at}.
	FundClosed = "fund.closed"
	// FundAwaitingReviewers: not enough reviewers are free yet; the
	// application is screened again when reviewers are added.
	FundAwaitingReviewers = "fund.awaiting_reviewers"
	// FundRejectedByReviews: {rejections} of {reviews} reviews rejected the
	// application; it needed {required} approvals.
	FundRejectedByReviews = "fund.rejected_by_reviews"
	// FundScoreBelowBar: the mean review score {mean} is below the
	// programme's bar {bar} (both with two decimals).
	FundScoreBelowBar = "fund.score_below_bar"
	// FundApprovedByReviews: {approvals} of {reviews} reviews approved, mean score {mean}.
	FundApprovedByReviews = "fund.approved_by_reviews"
	// FundBudgetExhausted: the remaining budget cannot cover {amount} (fen)
	// now; the application is on the waitlist.
	FundBudgetExhausted = "fund.budget_exhausted"
	// FundPaymentFailed: the grant could not be paid; the money went back to
	// the programme.
	FundPaymentFailed = "fund.payment_failed"
	// FundScorePlan: the automatic score's plan factor: a business plan of
	// {chars} characters (full points from {full}).
	FundScorePlan = "fund.score_plan"
	// FundScoreAsk: the automatic score's ask factor: asks {amount} of a
	// {cap} cap (both in fen).
	FundScoreAsk = "fund.score_ask"
	// FundScoreShop: the automatic score's shop factor: the shop has been
	// verified for {days} days (full points from {full}).
	FundScoreShop = "fund.score_shop"
)

// Internship places, applications, offers and matching rounds.
const (
	// InternshipCapacityBelowHeld: the capacity must be at least {held}, the
	// seats that offers hold.
	InternshipCapacityBelowHeld = "internship.capacity_below_held"
	// InternshipChangeEmpty: a place change must send a status, a capacity or both.
	InternshipChangeEmpty = "internship.change_empty"
	// InternshipPreferencesCount: the application must rank 1 to {max} places.
	InternshipPreferencesCount = "internship.preferences_count"
	// InternshipPreferenceNotID: item {item} of the ranking is not a place id.
	InternshipPreferenceNotID = "internship.preference_not_id"
	// InternshipPreferenceRepeated: item {item} ranks a place already ranked.
	InternshipPreferenceRepeated = "internship.preference_repeated"
	// InternshipPreferenceNotOpen: item {item} is not an open place.
	InternshipPreferenceNotOpen = "internship.preference_not_open"
	// InternshipExists: the applicant has an application in play already.
	InternshipExists = "internship.exists"
	// InternshipNotOffered: only an offered application can be answered; this one is {status}.
	InternshipNotOffered = "internship.not_offered"
	// InternshipOfferLapsed: the offer lapsed at {at}.
	InternshipOfferLapsed = "internship.offer_lapsed"
	// InternshipRoundStarted: the scheduled round has been started already.
	InternshipRoundStarted = "internship.round_started"
	// InternshipRoundActive: round {round_id} is {status}; one round runs at a time.
	InternshipRoundActive = "internship.round_active"
	// InternshipOffered: choice {rank} was offered to the applicant.
	InternshipOffered = "internship.offered"
	// InternshipUnmatched: no place could be offered in the round; the
	// applicant takes part in the next.
	InternshipUnmatched = "internship.unmatched"
	// InternshipPlaceClosed: choice {rank} was closed when the round ran.
	InternshipPlaceClosed = "internship.place_closed"
	// InternshipPlaceNoSeat: choice {rank} had no free seat in the round.
	InternshipPlaceNoSeat = "internship.place_no_seat"
	// InternshipPlaceTieBreak: choice {rank} was filled; its lowest admitted
	// score {lowest} equalled the applicant's, and the lottery draw decided.
	InternshipPlaceTieBreak = "internship.place_tie_break"
	// InternshipPlaceOutscored: choice {rank} was filled by higher scores;
	// the lowest admitted was {lowest}, the applicant's {score}.
	InternshipPlaceOutscored = "internship.place_outscored"
)

// Training: courses, enrollments and results.
const (
	// TrainingCourseTitleTaken: a course with this title exists.
	TrainingCourseTitleTaken = "training.course_title_taken"
	// TrainingAlreadyEnrolled: the student is enrolled in the course already (or passed it).
	TrainingAlreadyEnrolled = "training.already_enrolled"
	// TrainingResultRecorded: the enrollment has its result already (it is {status}).
	TrainingResultRecorded = "training.result_recorded"
	// TrainingBelowPassScore: the score {score} is below the pass score {pass}.
	TrainingBelowPassScore = "training.below_pass_score"
)

// Certificates: issuance failures, verification and revocation.
const (
	// CertificateNotIssued: the certificate could not be issued yet; staff
	// have been alerted.
	CertificateNotIssued = "certificate.not_issued"
	// CertificateNoSigningKey: the certificate could not be issued: no
	// signing key is configured.
	CertificateNoSigningKey = "certificate.no_signing_key"
	// CertificateNoHolder: the certificate could not be issued: the student
	// has no verified profile to take the holder's name from.
	CertificateNoHolder = "certificate.no_holder"
	// CertificateAlready: certificate {serial} is {status} already.
	CertificateAlready = "certificate.already"
	// CertificateRevoked: the certificate was revoked.
	CertificateRevoked = "certificate.revoked"
	// CertificateBadCredential: the stored credential is not valid JSON.
	CertificateBadCredential = "certificate.bad_credential"
	// CertificateKeyUnpublished: it was signed with key {key}, which is not published.
	CertificateKeyUnpublished = "certificate.key_unpublished"
	// CertificateBadSignature: the signature does not match the credential.
	CertificateBadSignature = "certificate.bad_signature"
	// CertificateSerialMismatch: the signed credential belongs to another serial.
	CertificateSerialMismatch = "certificate.serial_mismatch"
)

// The reviewer's workbench: conflicts of interest and rubric scoring.
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

// Rubric scoring.
const (
	// FundRubricIncomplete: score each of the programme's {criteria}
	// criteria once.
	FundRubricIncomplete = "fund.rubric_incomplete"
	// FundRubricOrScore: send the criteria's points or, on the default
	// rubric, a score, not both.
	FundRubricOrScore = "fund.rubric_or_score"
	// FundCriterionUnknown: {criterion_id} is no criterion of the programme.
	FundCriterionUnknown = "fund.criterion_unknown"
	// FundCriterionPoints: {criterion} takes 0 to {max} points.
	FundCriterionPoints = "fund.criterion_points"
	// FundRubricReviewed: the rubric cannot change once a review is in.
	FundRubricReviewed = "fund.rubric_reviewed"
)

// Admin bulk actions and imports (issue 14).
const (
	// ImportHeader: the first row must be the header {expected}.
	ImportHeader = "import.header"
	// ImportColumns: the row has {got} columns instead of {want}.
	ImportColumns = "import.columns"
	// ImportMalformed: the row is not well-formed CSV.
	ImportMalformed = "import.malformed"
	// ImportEmpty: the file holds no rows after its header.
	ImportEmpty = "import.empty"
	// ImportTooMany: the file holds more than {max} rows.
	ImportTooMany = "import.too_many"
	// ImportDuplicate: the enrollment appears again; its first row is {row}.
	ImportDuplicate = "import.duplicate"
	// ImportApplied: {n} results were recorded.
	ImportApplied = "import.applied"
	// ImportRejected: nothing was recorded: {n} rows have errors.
	ImportRejected = "import.rejected"
	// BulkDone: {ok} of {n} shops were decided.
	BulkDone = "bulk.done"
	// FieldDate: the value is not a date such as {example}.
	FieldDate = "field.date"
)
