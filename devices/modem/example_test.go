package modem_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/ventanilla-kiosk/ventanilla/devices/modem"
	"github.com/ventanilla-kiosk/ventanilla/devices/modem/emulator"
)

// An outbox job: the concatenation reference and the accepted parts are
// stored with the job, so a retry sends only what is missing and the phone
// can still join the parts.
func ExampleModem_SendSMS() {
	emu, err := emulator.Start(emulator.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer emu.Close()
	ctx := context.Background()
	m, err := modem.Open(ctx, modem.Config{Port: emu.Path(), CommandTimeout: 2 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	job := struct {
		ConcatRef uint8
		Accepted  map[int]int
	}{ConcatRef: 17, Accepted: map[int]int{}}
	text := "Su cita para el certificado FNMT está confirmada: lunes 10:30, oficina 3. Traiga su DNI o NIE."
	n, enc := modem.Parts(text)
	fmt.Println("parts:", n, enc)

	res, err := m.SendSMS(ctx, "+34600000000", text, modem.SendOptions{
		ConcatRef: job.ConcatRef,
		Accepted:  job.Accepted,
		OnPartAccepted: func(part, ref int) error {
			job.Accepted[part] = ref // persist in the outbox before going on
			return nil
		},
	})
	switch {
	case err == nil:
		fmt.Println("sent", res.Parts, "parts")
	case modem.IsRetryable(err):
		fmt.Println("retry later:", err)
	case modem.IsPermanent(err):
		fmt.Println("give up:", err)
	case modem.NeedsTechnician(err):
		fmt.Println("keep the job, call a technician:", err)
	}
	// Output:
	// parts: 2 ucs2
	// sent 2 parts
}
