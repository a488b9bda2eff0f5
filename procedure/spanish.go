package procedure

import "sort"

// SpanishDefaults is the Spanish source text of every catalogue key this
// package uses (problems, step titles, requirements, SMS, dates). The UI
// builds its catalogues for the six languages from it; Spanish is the
// source language. Placeholders are go-i18n/text/template style
// ({{.Got}}), with the argument names documented next to each key's
// constant or producer. The texts address the visitor as "usted".
//
// SMS texts are kept within two SMS parts once filled in: Spanish needs
// UCS-2 (á, í, ó, ú are not in the GSM alphabet), 67 characters a part, so
// at most 134 characters (a test checks the Spanish ones).
var SpanishDefaults = map[string]string{
	// --- Document number (NIF / NIE) ---
	KeyNIFEmpty:         "Escriba el número de su DNI o NIE.",
	KeyNIFChars:         "El número solo puede tener letras y cifras. Escríbalo tal como aparece en su documento.",
	KeyNIFLength:        "El número del DNI tiene 8 cifras y usted ha escrito {{.Got}}. Revise que no falte ni sobre ninguna (si empieza por cero, escriba también el cero).",
	KeyNIFMissingLetter: "Falta la letra final del documento. Escríbala después de las cifras.",
	KeyNIFLetter:        "La letra no corresponde al número. Revise las cifras y la letra de su documento.",
	KeyNIFCompany:       "Un número que empieza por {{.Letter}} es el NIF de una empresa o entidad. Escriba el número de su documento personal (DNI o NIE).",
	KeyNIFSpecial:       "Su NIF empieza por {{.Letter}}: es un número válido, pero no corresponde a un DNI ni a un NIE, y la videoidentificación exige mostrar uno de esos documentos. El personal de la oficina o el centro de atención telefónica le indicarán cómo hacer el trámite.",
	KeyNIFFormat:        "Ese número no tiene la forma de un DNI (8 cifras y una letra) ni de un NIE (X, Y o Z, 7 cifras y una letra).",
	KeyNIEPrefix:        "Un NIE empieza por X, Y o Z, no por {{.Letter}}. Revise la primera letra de su documento.",
	KeyNIELength:        "Después de la primera letra, el NIE tiene 7 cifras y usted ha escrito {{.Got}}.",
	KeyNIELetter:        "La letra final no corresponde al número del NIE. Revise las cifras y las dos letras de su documento.",

	// --- Mobile phone ---
	KeyPhoneEmpty:       "Escriba su número de teléfono móvil.",
	KeyPhoneChars:       "El número de teléfono solo puede tener cifras (puede separarlas con espacios o guiones).",
	KeyPhoneCountry:     "Ese número es de otro país ({{.Prefix}}). Necesitamos un móvil español (+34) para enviarle los SMS.",
	KeyPhoneLength:      "Un móvil español tiene 9 cifras y usted ha escrito {{.Got}}.",
	KeyPhoneLandline:    "Ese número es un teléfono fijo. Necesitamos un móvil para enviarle el SMS.",
	KeyPhoneSpecialRate: "Ese número es de tarifa especial o gratuito, no un móvil. Necesitamos un móvil para enviarle el SMS.",
	KeyPhoneNotMobile:   "Ese número no es de un móvil español. Los móviles empiezan por 6 o por 7 (71 a 74 y 78).",

	// --- Support number ---
	KeySupportEmpty:     "Escriba el número de soporte de su documento.",
	KeySupportChars:     "El número de soporte solo tiene letras y cifras.",
	KeySupportDNIFormat: "En el DNI, el número de soporte tiene 3 letras y 6 cifras (por ejemplo, BAA123456). Lo encontrará en la parte delantera de la tarjeta.",
	KeySupportNIEFormat: "En la tarjeta o el certificado del NIE, el número de soporte empieza por E (tarjeta de extranjero) o por C (certificado de registro de ciudadano de la Unión Europea) y le siguen 8 cifras.",

	// --- E-mail ---
	KeyEmailEmpty:        "Escriba su dirección de correo electrónico.",
	KeyEmailSpaces:       "La dirección de correo no puede tener espacios.",
	KeyEmailDisplayName:  "Escriba solo la dirección de correo, sin su nombre ni los signos < >.",
	KeyEmailNoAt:         "Falta la arroba (@) en la dirección de correo, por ejemplo nombre@gmail.com.",
	KeyEmailAt:           "La dirección de correo tiene {{.Count}} arrobas (@) y debe tener solo una.",
	KeyEmailLocalEmpty:   "Falta la parte de la dirección que va antes de la arroba (@).",
	KeyEmailLocalLength:  "La parte antes de la arroba es demasiado larga: puede tener hasta {{.Max}} caracteres.",
	KeyEmailLocalChars:   "La parte antes de la arroba tiene caracteres que los servidores de correo no aceptan (por ejemplo, letras con tilde o la ñ).",
	KeyEmailLocalDots:    "La parte antes de la arroba no puede empezar ni terminar con un punto, ni tener dos puntos seguidos.",
	KeyEmailDomainEmpty:  "Falta la parte de la dirección que va después de la arroba (@), por ejemplo gmail.com.",
	KeyEmailDomain:       "Falta la terminación de la dirección después de la arroba (por ejemplo, «.com» o «.es»).",
	KeyEmailDomainLength: "La parte después de la arroba es demasiado larga para ser una dirección real.",
	KeyEmailDomainLabel:  "La parte después de la arroba tiene caracteres no válidos. Solo puede tener letras, cifras, guiones y puntos.",
	KeyEmailDomainDots:   "La parte después de la arroba no puede empezar ni terminar con un punto, ni tener dos puntos seguidos.",
	KeyEmailTLD:          "La terminación de la dirección no es válida (por ejemplo, «.com» o «.es»).",
	KeyEmailMismatch:     "Las dos direcciones de correo no coinciden. Escríbala de nuevo en la segunda casilla.",

	// --- Código de solicitud ---
	KeyCodeEmpty:    "Escriba el código de solicitud que la FNMT le ha enviado por correo electrónico.",
	KeyCodeChars:    "El código de solicitud solo tiene cifras.",
	KeyCodeLength:   "El código de solicitud tiene {{.Want}} cifras y usted ha escrito {{.Got}}. Cópielo tal como aparece en el correo de la FNMT.",
	KeyCodeMismatch: "Los dos códigos no coinciden. Revise el correo de la FNMT y escríbalo de nuevo en la segunda casilla.",

	// --- Names ---
	KeyNameEmpty:     "Escriba su nombre.",
	KeySurname1Empty: "Escriba su primer apellido.",
	KeyNameChars:     "Escriba solo letras, como aparece en su documento (puede usar espacios, guiones y apóstrofos).",
	KeyNameLength:    "Es demasiado largo: puede tener hasta {{.Max}} caracteres.",

	// --- Completeness of a request or step ---
	KeyConsentMissing:   "Para continuar, lea la información sobre protección de datos y acéptela.",
	KeyMobileUnverified: "Falta confirmar su móvil con el código que le hemos enviado por SMS.",
	KeySlotMissing:      "Indique si prefiere que le llamen por la mañana o por la tarde.",
	KeyLanguageMissing:  "Indique en qué idioma prefiere que le atiendan por teléfono.",
	KeyFrontMissing:     "Falta la foto de la cara delantera de su documento.",
	KeyFrontUnreadable:  "La foto de la cara delantera no se lee bien. Repítala siguiendo las indicaciones de la pantalla.",
	KeyBackMissing:      "Falta la foto de la cara trasera de su documento.",
	KeyBackUnreadable:   "La foto de la cara trasera no se lee bien. Repítala siguiendo las indicaciones de la pantalla.",
	KeySignedMissing:    "Falta la foto de la solicitud firmada.",
	KeySignedUnreadable: "La foto de la solicitud firmada no se lee bien. Colóquela entera, plana y bien iluminada, y repítala.",
	KeySupportMissing:   "Falta el número de soporte de su tarjeta o certificado de NIE.",
	KeyOfficeMissing:    "Este quiosco no tiene configurada la oficina. Avise al personal, por favor.",
	KeyDeviceMissing:    "Elija el dispositivo (ordenador o móvil) donde quiere tener el certificado.",
	KeyRehearsalMissing: "Falta hacer el ensayo con la cámara.",
	KeyVariantUnknown:   "No se ha podido preparar la solicitud. Avise al personal, por favor.",

	// --- Flows and steps ---
	KeyStepPosition:               "Paso {{.N}} de {{.Total}}",
	"flow.fnmt.title":             "Certificado digital de la FNMT con videoidentificación",
	"flow.clave.title":            "Registro en Cl@ve por videoconferencia",
	"flow.certificate_call.title": "Certificado digital de la FNMT a través del centro de atención",
	"fnmt.before.title":           "Antes de empezar",
	"fnmt.install.title":          "Instale el configurador de la FNMT",
	"fnmt.request.title":          "Solicite el certificado",
	"fnmt.verify.title":           "Confirme su móvil y ensaye la videoidentificación",
	"fnmt.video.title":            "Videoidentificación, descarga y copia de seguridad",
	"fnmt.finish.title":           "Resumen",
	"callcentre.before.title":     "Antes de empezar",
	"callcentre.identity.title":   "Sus datos",
	"callcentre.photos.title":     "Fotos de su documento",
	"clave.signed.title":          "Solicitud firmada",
	"certificate.code.title":      "Código de solicitud de la FNMT",
	"callcentre.review.title":     "Revise su solicitud",
	"callcentre.finish.title":     "Solicitud enviada",

	// --- FNMT step 0: what you need ---
	"fnmt.before.need_document": "Su DNI o NIE original, en vigor.",
	"fnmt.before.need_mobile":   "Un teléfono móvil español, que tenga con usted.",
	"fnmt.before.need_email":    "Una dirección de correo electrónico a la que pueda entrar.",
	"fnmt.before.need_device":   "Un ordenador o móvil con cámara, donde quedará instalado el certificado.",
	"fnmt.before.need_time":     "Unos {{.Minutes}} minutos en este quiosco.",
	"fnmt.before.cost":          "La videoidentificación cuesta {{.Price}} más IVA; el certificado es gratuito.",
	"fnmt.before.answer":        "La FNMT responde en un plazo de {{.Hours}} horas hábiles después de la videoidentificación.",

	// --- FNMT step 1: after installing the configurator ---
	"fnmt.install.check_installed": "Compruebe que el configurador aparece instalado en su dispositivo.",
	"fnmt.install.check_same_user": "Use siempre el mismo dispositivo y el mismo usuario: el certificado solo se podrá descargar donde lo solicite.",
	"fnmt.install.check_browser":   "Cierre y vuelva a abrir el navegador después de instalarlo.",

	// --- FNMT step 2: reminders ---
	"fnmt.request.remind_code_email":  "La FNMT le enviará por correo electrónico un código de solicitud. Escríbalo aquí cuando lo reciba.",
	"fnmt.request.remind_password":    "El configurador le pedirá una contraseña. Anótela en un lugar seguro: la necesitará para descargar el certificado.",
	"fnmt.request.remind_email_fixed": "El correo que indique quedará escrito en el certificado y no se podrá cambiar después.",

	// --- FNMT step 4 and finish ---
	KeyDeadlineEstimate:      "antes del {{.Weekday}} {{.Day}} a las {{.Time}} aprox.",
	KeySMSFNMTSummary:        "FNMT: código de solicitud {{.Code}}. Respuesta antes del {{.Deadline}} aprox. Descargue el certificado en el mismo dispositivo.",
	"fnmt.takehome.video":    "Haga la videoidentificación desde su dispositivo: {{.URL}}",
	"fnmt.takehome.wait":     "Espere el correo de la FNMT: llegará en un plazo de {{.Hours}} horas hábiles.",
	"fnmt.takehome.download": "Descargue el certificado en el mismo dispositivo y usuario, con la contraseña que eligió: {{.URL}}",
	"fnmt.takehome.backup":   "Haga una copia de seguridad del certificado (exportar con clave privada), protéjala con una contraseña segura y no la guarde en ordenadores compartidos.",
	"fnmt.takehome.help":     "Si algo falla, vuelva a esta oficina con su DNI o NIE y su código de solicitud.",

	// --- Call-centre SMS ---
	KeySMSClaveSent:       "Cl@ve: solicitud {{.Reference}} enviada. El centro de atención le llamará. Tenga a mano su DNI/NIE original y un dispositivo con cámara.",
	KeySMSCertificateSent: "FNMT: solicitud {{.Reference}} enviada. El centro de atención le llamará. Tenga a mano su DNI/NIE original y un dispositivo con cámara.",

	// --- E-mail hint (not a rejection) ---
	KeyEmailSuggest: "¿Quería decir {{.Suggestion}}? Compruebe la dirección antes de continuar.",

	// --- Data-protection notice, first layer (a model for the office's DPO) ---
	"privacy.controller":               "Responsable: {{.Controller}}.",
	"privacy.purpose.fnmt":             "Finalidad: guiarle en este quiosco para obtener el certificado digital de la FNMT, confirmar su móvil y enviarle por SMS el resumen del trámite.",
	"privacy.purpose.clave":            "Finalidad: preparar su solicitud de registro en Cl@ve y enviarla al centro de atención, que le llamará para hacer la videoconferencia.",
	"privacy.purpose.certificate_call": "Finalidad: preparar su solicitud del certificado digital de la FNMT y enviarla al centro de atención, que le llamará para hacer la videoconferencia.",
	"privacy.basis":                    "Legitimación: su consentimiento, que da al aceptar este aviso y que puede retirar en cualquier momento cancelando el trámite.",
	"privacy.recipients.fnmt":          "Destinatarios: nadie. El quiosco no envía sus datos a la FNMT; usted los escribe en la web de la FNMT desde su dispositivo. Su móvil solo se usa para enviarle los SMS de este trámite.",
	"privacy.recipients.callcentre":    "Destinatarios: {{.CallCentre}}, que recibe por correo electrónico su solicitud y las fotos de su documento.",
	"privacy.retention.fnmt":           "Conservación: sus datos se borran del quiosco al terminar o cancelar el trámite; solo se guarda, cifrado, el SMS pendiente hasta que se envía.",
	"privacy.retention.callcentre":     "Conservación: sus datos y las fotos se guardan cifrados en el quiosco solo hasta que el correo llega al centro de atención; después se borran.",
	"privacy.rights":                   "Derechos: puede acceder a sus datos, rectificarlos, suprimirlos, oponerse y limitar su tratamiento escribiendo a {{.Contact}}, y reclamar ante la Agencia Española de Protección de Datos (www.aepd.es).",
	KeyPrivacyAccept:                   "He leído la información sobre protección de datos y la acepto.",

	// --- Devices, slots ---
	"device.windows": "Ordenador con Windows",
	"device.macos":   "Ordenador Mac (macOS)",
	"device.linux":   "Ordenador con Linux",
	"device.android": "Móvil o tableta Android",
	"device.ios":     "iPhone o iPad",
	"slot.morning":   "Por la mañana",
	"slot.afternoon": "Por la tarde",

	// --- Dates ---
	"date.weekday.monday":    "lunes",
	"date.weekday.tuesday":   "martes",
	"date.weekday.wednesday": "miércoles",
	"date.weekday.thursday":  "jueves",
	"date.weekday.friday":    "viernes",
	"date.weekday.saturday":  "sábado",
	"date.weekday.sunday":    "domingo",
	"date.month.january":     "enero",
	"date.month.february":    "febrero",
	"date.month.march":       "marzo",
	"date.month.april":       "abril",
	"date.month.may":         "mayo",
	"date.month.june":        "junio",
	"date.month.july":        "julio",
	"date.month.august":      "agosto",
	"date.month.september":   "septiembre",
	"date.month.october":     "octubre",
	"date.month.november":    "noviembre",
	"date.month.december":    "diciembre",
}

// NameKey returns the catalogue key of the slot's name.
func (s Slot) NameKey() string { return "slot." + string(s) }

// Keys returns every catalogue key of this package, sorted.
func Keys() []string {
	out := make([]string, 0, len(SpanishDefaults))
	for k := range SpanishDefaults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
