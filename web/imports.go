package web

import (
	"context"
	"sync"
	"time"

	"log/slog"

	"github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/models"
)

// An import of course results runs in the background of the process that
// took the upload, and its page polls it (Refresh header) with a progress
// bar until it is done. The job lives in this process's memory only: with
// several serve processes behind a balancer, the polls need sticky sessions
// (or the page shows "not found" for a job of another process); the import
// itself is one transaction either way, so nothing is half applied.

// importTimeout bounds one import.
const importTimeout = 5 * time.Minute

// importKeep is how long a finished import's report stays readable.
const importKeep = 15 * time.Minute

// importJob is one import: its owner, its progress, and once finished its
// report or error.
type importJob struct {
	owner string
	mu    sync.Mutex
	done  int
	total int
	// finished is when it ended; zero while it runs.
	finished time.Time
	report   app.ImportReport
	err      error
}

// importState is what the page shows of a job.
type importState struct {
	ID          string
	Running     bool
	Done, Total int
	Report      app.ImportReport
	// Failed: the import stopped on an error (logged), and nothing was
	// recorded.
	Failed bool
}

// imports are this process's import jobs by id.
type imports struct {
	mu   sync.Mutex
	jobs map[string]*importJob
}

// start runs run in the background as a job of owner and returns its id;
// finished jobs older than importKeep are forgotten. An error is logged to
// log.
func (im *imports) start(log *slog.Logger, owner string, run func(ctx context.Context, progress func(done, total int)) (app.ImportReport, error)) string {
	id := models.NewID()
	job := &importJob{owner: owner}
	im.mu.Lock()
	if im.jobs == nil {
		im.jobs = map[string]*importJob{}
	}
	for k, j := range im.jobs {
		j.mu.Lock()
		old := !j.finished.IsZero() && time.Since(j.finished) > importKeep
		j.mu.Unlock()
		if old {
			delete(im.jobs, k)
		}
	}
	im.jobs[id] = job
	im.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), importTimeout)
		defer cancel()
		r, err := run(ctx, func(done, total int) {
			job.mu.Lock()
			job.done, job.total = done, total
			job.mu.Unlock()
		})
		if err != nil {
			log.ErrorContext(ctx, "import results", "import", id, "err", err)
		}
		job.mu.Lock()
		job.report, job.err, job.finished = r, err, time.Now()
		job.done = job.total
		job.mu.Unlock()
	}()
	return id
}

// state is the job id of owner as the page shows it; false when there is
// no such job of owner's.
func (im *imports) state(owner, id string) (importState, bool) {
	im.mu.Lock()
	job, ok := im.jobs[id]
	im.mu.Unlock()
	if !ok || job.owner != owner {
		return importState{}, false
	}
	job.mu.Lock()
	defer job.mu.Unlock()
	return importState{ID: id, Running: job.finished.IsZero(), Done: job.done, Total: job.total, Report: job.report,
		Failed: job.err != nil}, true
}
