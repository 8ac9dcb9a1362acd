package guard

import "regexp"

// i18nRules are the "ignore previous instructions" and "reveal your system
// prompt" families in French, German, Spanish, Portuguese, Italian, Dutch,
// Russian, Arabic, Hindi (on the plain view, where Latin diacritics are
// gone — "précédentes" reads "precedentes" — and English spelling repair
// has not turned "instrucciones" into "instructions"), and Chinese, Japanese and
// Korean (on the compact view, letters only, so spacing and punctuation
// do not matter). They share groups with the English rules: one phrase
// counts once, whichever language it is in.
var i18nRules = []rule{
	// French.
	plain("fr_override", SignalOverride, 0.8,
		`\b(?:ignore[zr]?|oublie[zr]?|ne (?:tiens|tenez) (?:pas|plus) compte d(?:es|e tes|e vos|e toutes)|fai(?:s|tes) abstraction d(?:es|e)|n'obei(?:s|ssez) plus a|desobei(?:s|ssez) a)\s+`+gap3+`(?:(?:instructions?|consignes?|regles|directives|indications|ordres|prompt)\s+`+gap1+`(?:precedentes?|anterieures?|ci-dessus|d'avant|initiales?|du systeme|systeme|recues|donnees)|(?:tes|vos) (?:\S+\s+)?(?:instructions|consignes|regles|directives))\b`).grouped("override_phrase"),
	plain("fr_forget_all", SignalOverride, 0.7,
		`\boublie[zr]? tout (?:ce (?:que|qu'on|qui) (?:je t'ai|on t'a|t'a ete|vous a ete|je vous ai|on vous a|a ete) dit|ce qui precede|ce qui a ete dit)`).grouped("override_phrase"),
	plain("fr_reveal", SignalRevealPrompt, 0.7,
		`\b(?:revele[zr]?|affiche[zr]?|montre[zr]?|donne[zr]?|repete[zr]?|ecri[st]|ecrivez|dis|dites|imprime[zr]?|communique[zr]?|recite[zr]?|divulgue[zr]?)(?:-moi|-nous| moi| nous)?\s+`+gap3+`(?:(?:ton|votre|le) (?:prompt|invite|message) (?:systeme|du systeme|initial|d'origine|cache|secret)|prompt systeme|(?:tes|vos) (?:instructions|consignes|regles|directives)(?: (?:initiales|systeme|secretes|cachees|d'origine|completes))?|(?:les|tes|vos) instructions (?:systeme|initiales|secretes|cachees|qu'on t'a donnees|que tu as recues))\b`).
		vetoed(regexp.MustCompile(`^\s*(?:pour|sur|de|du|des|concernant|a propos)\b`)).grouped("reveal_phrase"),
	plain("fr_what", SignalRevealPrompt, 0.65,
		`\bquel(?:le)?s? (?:est|sont) (?:ton|votre|tes|vos) (?:prompt systeme|prompt|instructions (?:systeme|initiales|secretes))\b`).grouped("reveal_phrase"),

	// German.
	plain("de_override", SignalOverride, 0.8,
		`\b(?:ignorier(?:e|en|t)?|vergiss|vergesst|vergessen sie|missachte|missachten sie|uberspring(?:e|en sie)?)\s+`+gap3+`(?:vorherigen?|vorigen?|bisherigen?|obigen?|fruheren?|vorangegangenen?|vorstehenden?|ursprunglichen?|anfanglichen?|deine|ihre|system)\s+`+gap1+`(?:anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien|prompts?|systemanweisungen|anordnungen)\b`).grouped("override_phrase"),
	plain("de_forget_all", SignalOverride, 0.7,
		`\bvergiss (?:einfach )?alles(?:,? was (?:du|man dir|ich dir|dir)|,? bisherige|,? vorherige|,? obige|,? davor|,? was oben)`).grouped("override_phrase"),
	plain("de_reveal_your", SignalRevealPrompt, 0.7,
		`\b(?:zeig(?:e|t|en sie)?|gib|geben sie|verrate|verraten sie|nenne|nennen sie|wiederhole|wiederholen sie|drucke|schreib(?:e)?|offenbare|enthulle|teile)\s+`+gap3+`(?:deinen|ihren|deine|ihre)\s+(?:(?:kompletten|vollstandigen|geheimen|versteckten|ursprunglichen|internen|ersten)\s+)?(?:system-?prompt|systemanweisungen|systemnachricht|system-?nachricht|anweisungen|instruktionen|prompt|regeln|vorgaben)\b`).
		vetoed(regexp.MustCompile(`^\s*(?:fur|zum|zur|uber|bei|zu|von|wegen)\b`)).grouped("reveal_phrase"),
	plain("de_reveal_system", SignalRevealPrompt, 0.6,
		`\b(?:zeig(?:e|t|en sie)?|gib|geben sie|verrate|verraten sie|nenne|wiederhole|drucke|offenbare|enthulle)\s+`+gap3+`(?:den|die|das) (?:system-?prompt|systemanweisungen|systemnachricht|versteckten anweisungen|geheimen anweisungen)\b`).grouped("reveal_phrase"),
	plain("de_what", SignalRevealPrompt, 0.6,
		`\bwas (?:ist|sind|steht in) (?:dein|ihr|deine|ihre|deinem|ihrem) (?:system-?prompt|systemanweisungen|anweisungen|prompt)\b`).grouped("reveal_phrase"),

	// Spanish.
	plain("es_override", SignalOverride, 0.8,
		`\b(?:ignora|ignore|ignoren|ignorad|olvida|olvide|olviden|olvidad|omite|omita|descarta|descarte|no sigas|no siga|no hagas caso (?:a|de)|haz caso omiso (?:a|de))\s+`+gap3+`(?:(?:instrucciones|indicaciones|reglas|directrices|ordenes|instruccion|normas)\s+`+gap1+`(?:anteriores|previas|de arriba|iniciales|del sistema|originales|dadas)|(?:tus|sus) (?:\S+\s+)?(?:instrucciones|reglas|directrices|indicaciones|normas)|(?:las )?(?:instrucciones|reglas|directrices|indicaciones|normas) que (?:te|le) (?:dieron|han dado|dije|di|indicaron|dio))\b`).grouped("override_phrase"),
	plain("es_forget_all", SignalOverride, 0.7,
		`\bolvid(?:a|e|en|ad) todo lo (?:anterior|que (?:te|le|les) (?:dije|dijeron|han dicho|hemos dicho|ha dicho))`).grouped("override_phrase"),
	plain("es_reveal", SignalRevealPrompt, 0.7,
		`\b(?:revela|revele|revelame|muestra|muestrame|muestre|muestreme|dime|digame|imprime|imprima|repite|repita|escribe|escriba|ensename|comparte|comparta|dame|deme|copia|recita|divulga)\s+`+gap3+`(?:(?:tu|su|el) (?:prompt|mensaje|indicador|aviso) (?:del sistema|de sistema|inicial|original|oculto|secreto)|prompt del sistema|(?:tus|sus) (?:instrucciones|reglas|directrices|indicaciones)(?: (?:iniciales|del sistema|secretas|ocultas|originales|completas))?|las instrucciones (?:del sistema|iniciales|secretas|ocultas|que (?:te|le) (?:dieron|han dado)))\b`).
		vetoed(regexp.MustCompile(`^\s*(?:para|sobre|de|del|acerca|en|con)\b`)).grouped("reveal_phrase"),
	plain("es_what", SignalRevealPrompt, 0.65,
		`\bcual(?:es)? (?:es|son) (?:tu|su|tus|sus) (?:prompt del sistema|prompt|instrucciones (?:del sistema|iniciales|secretas))\b`).grouped("reveal_phrase"),

	// Portuguese.
	plain("pt_override", SignalOverride, 0.8,
		`\b(?:ignore|ignora|ignorem|esqueca|esquece|esquecam|desconsidere|desconsidera|descarte|nao siga|nao obedeca|deixe de lado)\s+`+gap3+`(?:(?:instrucoes|orientacoes|regras|diretrizes|comandos|instrucao|ordens)\s+`+gap1+`(?:anteriores|previas|acima|iniciais|do sistema|originais|dadas)|(?:suas|tuas) (?:\S+\s+)?(?:instrucoes|regras|diretrizes|orientacoes))\b`).grouped("override_phrase"),
	plain("pt_forget_all", SignalOverride, 0.7,
		`\besquec(?:a|e|am) tudo (?:(?:o )?que (?:te|lhe|voce|foi) (?:disse|disseram|foi dito|dito)|acima|antes|anterior)`).grouped("override_phrase"),
	plain("pt_reveal", SignalRevealPrompt, 0.7,
		`\b(?:revele|revela|mostre|mostra|mostre-me|me mostre|me diga|diga|diga-me|imprima|repita|escreva|exiba|exibe|compartilhe|me de|de-me|liste)\s+`+gap3+`(?:(?:seu|o|teu) prompt (?:do sistema|de sistema|inicial|original|oculto|secreto)|prompt do sistema|(?:suas|tuas) instrucoes(?: (?:iniciais|do sistema|secretas|ocultas|originais|completas))?|as instrucoes (?:do sistema|iniciais|secretas|ocultas))\b`).
		vetoed(regexp.MustCompile(`^\s*(?:para|sobre|de|do|da|acerca|em|com)\b`)).grouped("reveal_phrase"),
	plain("pt_what", SignalRevealPrompt, 0.6,
		`\bqua(?:l|is) (?:e|sao) (?:o |as )?(?:seu|teu|suas|tuas) (?:prompt do sistema|prompt|instrucoes)\b`).grouped("reveal_phrase"),

	// Italian.
	plain("it_override", SignalOverride, 0.8,
		`\b(?:ignora|ignori|ignorate|dimentica|dimentichi|dimenticate|non seguire|non segua|trascura|tralascia|lascia perdere)\s+`+gap3+`(?:(?:istruzioni|indicazioni|regole|direttive|ordini|istruzione)\s+`+gap1+`(?:precedenti|di prima|iniziali|originali|del sistema|sopra|ricevute|fornite)|(?:tue|sue) (?:\S+\s+)?(?:istruzioni|regole|direttive|indicazioni))\b`).grouped("override_phrase"),
	plain("it_forget_all", SignalOverride, 0.7,
		`\bdimentic(?:a|hi|ate) tutto (?:(?:quello|cio|quanto) (?:che )?(?:ti|le|vi) (?:e stato detto|ho detto|hanno detto|abbiamo detto)|sopra|prima)`).grouped("override_phrase"),
	plain("it_reveal", SignalRevealPrompt, 0.7,
		`\b(?:rivela|rivelami|riveli|mostra|mostrami|mostri|mostrate|dimmi|mi dica|stampa|stampi|ripeti|ripeta|scrivi|scriva|elenca|condividi|dammi|mi dia)\s+`+gap3+`(?:(?:il tuo|il suo|il|tuo|suo) prompt (?:di sistema|del sistema|iniziale|originale|nascosto|segreto)|prompt di sistema|(?:le tue|le sue|tue|sue) istruzioni(?: (?:iniziali|di sistema|segrete|nascoste|originali|complete))?|le istruzioni (?:di sistema|iniziali|segrete|nascoste))\b`).
		vetoed(regexp.MustCompile(`^\s*(?:per|su|sul|sulla|di|del|della|riguardo|circa|in|con)\b`)).grouped("reveal_phrase"),
	plain("it_what", SignalRevealPrompt, 0.6,
		`\bqual(?:e|i)? (?:e|sono) (?:il |le )?(?:tuo|suo|tue|sue) (?:prompt di sistema|prompt|istruzioni)\b`).grouped("reveal_phrase"),

	// Dutch.
	plain("nl_override", SignalOverride, 0.8,
		`\b(?:negeer|negeren|negeert|vergeet|vergeten|volg niet)\s+`+gap3+`(?:vorige|eerdere|voorgaande|bovenstaande|oorspronkelijke|originele|initiele|je|jouw|uw|alle)\s+`+gap1+`(?:instructies|aanwijzingen|regels|opdrachten|richtlijnen|prompt|systeemprompt|instructie)\b`).grouped("override_phrase"),
	plain("nl_forget_all", SignalOverride, 0.7,
		`\bvergeet alles (?:wat (?:je|jij|u|ik|er)\b|dat (?:je|jij|u|ik)\b|hierboven|hiervoor|van hiervoor)`).grouped("override_phrase"),
	plain("nl_reveal_your", SignalRevealPrompt, 0.7,
		`\b(?:toon|laat|geef|herhaal|print|vertel|onthul|schrijf|deel|noem)\s+`+gap3+`(?:je|jouw|uw) (?:systeemprompt|systeem prompt|systeeminstructies|systeembericht|instructies|oorspronkelijke instructies|originele instructies|initiele instructies|prompt|geheime instructies|verborgen instructies|regels)\b`).
		vetoed(regexp.MustCompile(`^\s*(?:voor|over|van|bij|om|met)\b`)).grouped("reveal_phrase"),
	plain("nl_reveal_system", SignalRevealPrompt, 0.6,
		`\b(?:toon|laat|geef|herhaal|print|vertel|onthul|schrijf|deel)\s+`+gap3+`(?:de|het) (?:systeemprompt|systeem prompt|systeeminstructies|systeembericht|oorspronkelijke instructies|geheime instructies|verborgen instructies)\b`).grouped("reveal_phrase"),
	plain("nl_what", SignalRevealPrompt, 0.6,
		`\bwat (?:is|zijn|staat er in) (?:je|jouw|uw) (?:systeemprompt|systeem prompt|instructies|prompt)\b`).grouped("reveal_phrase"),

	// Russian. Go's \b is ASCII-only, so these patterns do without it.
	plain("ru_override", SignalOverride, 0.8,
		`(?:игнорируй(?:те)?|проигнорируй(?:те)?|забудь(?:те)?|не обращай(?:те)? внимания на|отбрось(?:те)?|не (?:следуй|слушай|выполняй)(?:те)?)\s+`+gap3+`(?:предыдущие|прошлые|предшествующие|вышеуказанные|вышеприведенные|вышеприведённые|прежние|изначальные|исходные|системные|все|свои|твои|ваши|данные ранее)\s+`+gap2+`(?:инструкци[июй]|указани[яйе]|правил[ао]?|команд[ыу]?|промпт|подсказк[иу])`).grouped("override_phrase"),
	plain("ru_forget_all", SignalOverride, 0.7,
		`забудь(?:те)? (?:вс[её]|обо вс[её]м),? (?:что|чему) (?:тебе|вам|ты|вы|было) (?:говорили|сказали|сказано|знаешь|учили|выше|ранее)`).grouped("override_phrase"),
	plain("ru_reveal", SignalRevealPrompt, 0.7,
		`(?:покажи(?:те)?|выведи(?:те)?|раскрой(?:те)?|напиши(?:те)?|повтори(?:те)?|сообщи(?:те)?|расскажи(?:те)?|скажи(?:те)?|распечатай(?:те)?|озвучь(?:те)?|процитируй(?:те)?|дай(?:те)?)\s+`+gap3+`(?:(?:свой|твой|ваш|свои|твои|ваши)\s+)?(?:системный промпт|системн(?:ые|ую|ый) (?:инструкци[июи]|подсказк[уи]|сообщение|промпт)|(?:свои|твои|ваши) (?:инструкции|указания|правила)|(?:исходн|начальн|скрыт|секретн)(?:ые|ый|ую) (?:инструкци[ию]|промпт|указания))`).
		vetoed(regexp.MustCompile(`^\s*(?:для|по|о|об|про|к)\s`)).grouped("reveal_phrase"),
	plain("ru_what", SignalRevealPrompt, 0.6,
		`как(?:ой|ие|ова|овы) (?:у тебя |у вас )?(?:твой |твои |ваш |ваши )?(?:системный промпт|инструкции|промпт)`).needs("промпт", "инструкц").grouped("reveal_phrase"),

	// Arabic and Hindi.
	plain("ar_override", SignalOverride, 0.8,
		`(?:تجاهل|انس|إنس|تناس)\s+`+gap2+`(?:التعليمات|الأوامر|الاوامر|الإرشادات|الارشادات|التوجيهات)\s+`+gap1+`(?:السابقة|السابقه|الأصلية|الاصلية)`).grouped("override_phrase"),
	plain("ar_reveal", SignalRevealPrompt, 0.7,
		`(?:اكشف|أظهر|اظهر|اعرض|اطبع|أخبرني|اخبرني|أرني|ارني)\s+`+gap2+`(?:موجه النظام|تعليمات النظام|تعليماتك|موجهك|أوامر النظام)`).grouped("reveal_phrase"),
	plain("hi_override", SignalOverride, 0.8,
		`(?:पिछले|पहले के|ऊपर के|सभी)\s+`+gap2+`(?:निर्देशों|निर्देश)\s+(?:को\s+)?(?:अनदेखा|नज\x{093C}?रअंदाज|भूल)`).grouped("override_phrase"),
	plain("hi_reveal", SignalRevealPrompt, 0.7,
		`(?:सिस्टम प्रॉम्प्ट|सिस्टम प्रोम्प्ट|सिस्टम निर्देश|अपने निर्देश|अपना प्रॉम्प्ट)\s+`+gap2+`(?:दिखाओ|दिखाएं|दिखाइए|बताओ|बताएं|बताइए|प्रकट)`).grouped("reveal_phrase"),

	// Chinese (simplified and traditional), Japanese, Korean.
	compact("zh_override", SignalOverride, 0.8,
		`(?:忽略|忽视|忽視|无视|無視|不要理会|不要理會|不理会|不要管|别管|別管|不用管|忘记|忘記|忘掉|抛开|拋開|放弃|放棄|不要遵守|不要遵循|不再遵守)掉?你?(?:之前|以前|先前|此前|上面|上述|以上|前面|原来|原來|原有|最初|所有|全部|一切|系统|系統|你的|您的)的?(?:所有|全部|一切)?的?(?:指令|指示|说明|說明|提示词|提示詞|提示|命令|规则|規則|设定|設定|要求|约束|約束)`).grouped("override_phrase"),
	compact("zh_reveal", SignalRevealPrompt, 0.7,
		`(?:显示|顯示|输出|輸出|告诉我|告訴我|透露|泄露|洩露|打印|重复|重複|展示|给我看|給我看|说出|說出|列出|公开|公開|发给我|發給我|复述|複述)(?:一下)?(?:你的|你们的|你們的|您的)(?:完整的?|全部的?|原始的?|初始的?|隐藏的?|隱藏的?|秘密的?)?(?:系统提示词|系統提示詞|系统提示|系統提示|系统指令|系統指令|初始指令|原始指令|提示词|提示詞|指令|设定|設定)`).grouped("reveal_phrase"),
	compact("zh_reveal_system", SignalRevealPrompt, 0.6,
		`(?:显示|顯示|输出|輸出|告诉我|告訴我|透露|泄露|洩露|打印|重复|重複|展示|说出|說出|公开|公開|复述|複述)(?:一下)?(?:完整的?|全部的?|原始的?|初始的?)?(?:系统提示词|系統提示詞|系统指令|系統指令|初始提示词|初始提示詞|隐藏指令|隱藏指令)`).grouped("reveal_phrase"),
	compact("zh_reveal_ba", SignalRevealPrompt, 0.7,
		`把你的(?:完整的?|全部的?|原始的?|初始的?|隐藏的?|隱藏的?)?(?:系统提示词|系統提示詞|提示词|提示詞|系统指令|系統指令|指令|设定|設定)(?:发给我|發給我|告诉我|告訴我|显示出来|顯示出來|输出|輸出|打印出来|打印出來|给我看|給我看|写出来|寫出來|贴出来|貼出來|发出来|發出來)`).grouped("reveal_phrase"),
	compact("zh_what", SignalRevealPrompt, 0.65,
		`你的(?:系统提示词|系統提示詞|系统提示|系統提示|系统指令|系統指令|初始指令|提示词|提示詞)(?:是什么|是什麼|内容|內容)`).grouped("reveal_phrase"),
	compact("zh_reveal_above", SignalRevealPrompt, 0.55,
		`(?:重复|重複|输出|輸出|打印|复述|複述)(?:一下)?(?:上面|以上|之前|前面)的?(?:所有|全部)?的?(?:内容|內容|文字|指令|文本)`),
	compact("zh_you_are_now", SignalOverride, 0.3, `你现在是|你現在是`).grouped("you_are_now"),
	compact("ja_override", SignalOverride, 0.8,
		`(?:(?:以前|前|上記|これまで|先|上|最初|元|システム)の(?:全ての|すべての)?(?:指示|命令|指令|ルール|プロンプト|設定|制約)(?:を|は)(?:すべて|全て|全部)?|(?:すべて|全て)の(?:以前の|前の)?(?:指示|命令|ルール)を)(?:無視|忘れ|破棄)`).grouped("override_phrase"),
	compact("ja_reveal", SignalRevealPrompt, 0.7,
		`(?:システムプロンプト|初期プロンプト|システム指示|隠された指示|あなたの指示|あなたのプロンプト|元の指示)(?:を|の内容を|の全文を)(?:すべて|全て|そのまま)?(?:表示|教え|出力|見せ|開示|繰り返|書き出|印刷|公開)`).grouped("reveal_phrase"),
	compact("ja_what", SignalRevealPrompt, 0.65, `(?:あなたの)?システムプロンプト(?:は|って)(?:何|なに)`).grouped("reveal_phrase"),
	compact("ko_override", SignalOverride, 0.8,
		`(?:이전|앞의|위의|기존|모든)의?(?:모든)?(?:지시사항|지시|지침|명령|규칙|프롬프트)(?:을|를|은|는)?(?:모두)?(?:무시|잊어)`).grouped("override_phrase"),
	compact("ko_reveal", SignalRevealPrompt, 0.7,
		`(?:시스템프롬프트|시스템지시|초기지시|너의지시|당신의지시)(?:를|을)?(?:모두)?(?:보여|출력|알려|공개)`).grouped("reveal_phrase"),
}
