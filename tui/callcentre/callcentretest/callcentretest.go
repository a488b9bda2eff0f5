// Package callcentretest has test doubles for the call-centre screens and
// anything else that queues messages through kit.Outbox: an outbox that
// records every job in memory (so a test can check the e-mail a flow
// produced, or hand the recorded kit.Email to the real store and SMTP
// path), a modem health switch, and synthetic photos.
package callcentretest

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"sync"

	"github.com/ventanilla-kiosk/ventanilla/tui/kit"
)

// SMS is one recorded SMS job.
type SMS struct {
	ID, To, Text string
}

// Outbox is an in-memory kit.Outbox that records jobs. It is safe for
// concurrent use (the screens enqueue from tea.Cmd goroutines). The zero
// value is ready to use.
type Outbox struct {
	mu        sync.Mutex
	emails    []kit.Email
	emailIDs  []string
	sms       []SMS
	n         int
	failEmail error
	failSMS   error
}

// FailEmail makes every following EnqueueEmail fail with err (nil: succeed
// again), as a full disk would.
func (o *Outbox) FailEmail(err error) {
	o.mu.Lock()
	o.failEmail = err
	o.mu.Unlock()
}

// FailSMS makes every following EnqueueSMS fail with err (nil: succeed).
func (o *Outbox) FailSMS(err error) {
	o.mu.Lock()
	o.failSMS = err
	o.mu.Unlock()
}

// EnqueueEmail implements kit.Outbox. It records a deep copy, so a caller
// that zeroes its buffers afterwards does not change the record.
func (o *Outbox) EnqueueEmail(_ context.Context, m kit.Email) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failEmail != nil {
		return "", o.failEmail
	}
	c := m
	c.Attachments = nil
	for _, a := range m.Attachments {
		a.Data = append([]byte(nil), a.Data...)
		c.Attachments = append(c.Attachments, a)
	}
	o.n++
	id := fmt.Sprintf("email-%d", o.n)
	o.emails = append(o.emails, c)
	o.emailIDs = append(o.emailIDs, id)
	return id, nil
}

// EnqueueSMS implements kit.Outbox.
func (o *Outbox) EnqueueSMS(_ context.Context, to, text string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failSMS != nil {
		return "", o.failSMS
	}
	o.n++
	id := fmt.Sprintf("sms-%d", o.n)
	o.sms = append(o.sms, SMS{ID: id, To: to, Text: text})
	return id, nil
}

// Emails returns the recorded e-mails, oldest first.
func (o *Outbox) Emails() []kit.Email {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]kit.Email(nil), o.emails...)
}

// SMS returns the recorded SMS, oldest first.
func (o *Outbox) SMS() []SMS {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]SMS(nil), o.sms...)
}

// Modem is a kit.ModemHealth whose answer the test sets.
type Modem struct {
	mu   sync.Mutex
	down bool
}

// SetReady sets what Ready reports.
func (m *Modem) SetReady(ok bool) {
	m.mu.Lock()
	m.down = !ok
	m.mu.Unlock()
}

// Ready implements kit.ModemHealth.
func (m *Modem) Ready() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.down
}

// JPEG returns a w×h JPEG with some structure in it (gradients and a
// grid), so that encoders and quality checks have something to work on.
func JPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			p := row[4*x : 4*x+4]
			if x%40 == 0 || y%40 == 0 {
				p[0], p[1], p[2], p[3] = 0, 0, 0, 255
				continue
			}
			p[0], p[1], p[2], p[3] = uint8(x*255/max(1, w)), uint8(y*255/max(1, h)), 128, 255
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err) // encoding an in-memory RGBA image cannot fail
	}
	return b.Bytes()
}
