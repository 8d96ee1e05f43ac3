package web

import "time"

// commonTimeZones are suggested wherever a time zone is typed: UTC, the
// capitals of the programme's region and the places its missions are in.
// Any other IANA name is accepted too.
var commonTimeZones = []string{
	"UTC",
	"America/New_York",
	"Asia/Baku",
	"Asia/Tbilisi",
	"Asia/Yerevan",
	"Europe/Athens",
	"Europe/Belgrade",
	"Europe/Berlin",
	"Europe/Brussels",
	"Europe/Bucharest",
	"Europe/Budapest",
	"Europe/Chisinau",
	"Europe/Helsinki",
	"Europe/Istanbul",
	"Europe/Kyiv",
	"Europe/Ljubljana",
	"Europe/London",
	"Europe/Paris",
	"Europe/Podgorica",
	"Europe/Rome",
	"Europe/Sarajevo",
	"Europe/Skopje",
	"Europe/Sofia",
	"Europe/Tirane",
	"Europe/Vienna",
	"Europe/Warsaw",
	"Europe/Zagreb",
}

// loadableTimeZones keeps the suggestions this system's time zone database
// knows (an old one lacks Europe/Kyiv), so that none is refused when chosen.
func loadableTimeZones() []string {
	out := make([]string, 0, len(commonTimeZones))
	for _, tz := range commonTimeZones {
		if _, err := time.LoadLocation(tz); err == nil {
			out = append(out, tz)
		}
	}
	return out
}
