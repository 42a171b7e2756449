"""Redaction of identifying details in what staff type.

`redact(text)` replaces personal names, phone numbers, emails, postcodes, street addresses and
named estates, dates, NHS and National Insurance numbers, social-media handles and school names
with placeholders such as "[NAME]" and "[PHONE]", and says which kinds it found, so nothing
typed is kept unredacted and the bot can ask the person not to share such details.
`find(text)` gives the same findings with their offsets.

It is rule-based and uses the standard library only. No pattern can backtrack more than a
bounded amount at any position, and most detectors are skipped when a cheap test shows they have
nothing to find, so the time taken is linear in the length of the text; no input makes it
raise. What it deliberately leaves alone (measured in bench/redaction/README.md):

- phone numbers: the short service numbers (999, 112, 101, 111, 116 000, 18001 101) are too
  short to match; freephone 0800 / 0808 and non-geographic 03 numbers belong to services and
  organisations, never to a person, so they are kept (NSPCC 0808 800 5000, Childline 0800 1111),
  as are the national lines in knowledge/contacts.yaml that are neither (_SERVICE_NUMBERS);
- web links are kept whole: nothing inside one is taken for a name or a date;
- postcodes: a full postcode always; an outward code alone ("LS9", "BS5") only when it is clearly
  a postcode: after "postcode", before "area", or a two-letter area after "in", "near", "from"...;
  never a road such as the M1;
- NHS numbers: any ten digits written 3-3-4 or unbroken that do not start with 0; the check
  digit is not required, because a mistyped number is still identifying;
- National Insurance numbers: two letters and six digits, with or without spaces and the final
  letter; the HMRC prefix rules are not applied, for the same reason;
- dates: day, month and year in figures or words, and a day with a month ("3rd June"); a year
  alone, a month and year, an age, "Year 9" and "s47" are not redacted;
- names: a word is a name when a cue says so (Mr/Mrs/Ms/Miss/Dr, "called", "known as",
  "her uncle", "thanks", an age after it, "said" after it), when it is in the list of given
  names below, or when it is capitalised in mid-sentence and is neither a common English word
  (`words.txt`) nor a known place, organisation, app or term. Given names that are also
  words (Will, May, Grace, Hope, Amber...) need a cue. A lower-case word of nine letters or more
  one slip from a common word ("exploitaiton", "definately") is a misspelling, not a name; the
  people the guidance names (Jay, Casey...) are left alone beside "report", "audit", "inquiry".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from bot.words import common_words


class Kind(StrEnum):
    """A kind of identifying detail."""

    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    POSTCODE = "postcode"
    ADDRESS = "address"
    DATE = "date"
    NHS_NUMBER = "nhs_number"
    NI_NUMBER = "ni_number"
    HANDLE = "handle"
    SCHOOL = "school"

    @property
    def placeholder(self) -> str:
        """What replaces a finding of this kind: "[NAME]", "[NHS_NUMBER]"..."""
        return f"[{self.name}]"


@dataclass(frozen=True)
class Finding:
    """One identifying detail: `text[start:end]` is of kind `kind`."""

    start: int
    end: int
    kind: Kind


@dataclass(frozen=True)
class Redaction:
    """A text with its identifying details replaced by placeholders."""

    text: str
    found: tuple[Kind, ...]


_CODES: dict[Kind | None, int] = {None: 1} | {kind: n for n, kind in enumerate(Kind, 2)}


def redact(text: str) -> Redaction:
    """Replace every identifying detail in `text` by its placeholder ("[NAME]", "[PHONE]"...).

    `found` lists the kinds found, in order of first appearance, without repeats.
    """
    findings = find(text)
    parts: list[str] = []
    found: list[Kind] = []
    at = 0
    for finding in findings:
        parts.append(text[at : finding.start])
        parts.append(finding.kind.placeholder)
        at = finding.end
        if finding.kind not in found:
            found.append(finding.kind)
    parts.append(text[at:])
    return Redaction(text="".join(parts), found=tuple(found))


def find(text: str) -> tuple[Finding, ...]:
    """Every identifying detail in `text`, in order, none overlapping another."""
    candidates: list[tuple[int, int, int, Kind | None]] = []  # priority, start, end, kind
    low = text.lower()
    for priority, (hint, detector) in enumerate(_DETECTORS):
        if not hint(low):
            continue  # nothing this detector could find
        for start, end, kind in detector(text):
            if start < end:
                candidates.append((priority, start, end, kind))
    taken = bytearray(len(text) + 1)  # for each character, 0 or the code of what took it
    kept: list[tuple[int, int, Kind | None]] = []
    # Earlier detectors win; among one detector's findings, the longer one wins.
    for _, start, end, kind in sorted(candidates, key=lambda c: (c[0], c[1] - c[2], c[1])):
        if any(taken[start:end]):
            continue
        taken[start:end] = bytes([_CODES[kind]]) * (end - start)
        kept.append((start, end, kind))
    names = _find_names(text, taken)
    findings = [Finding(s, e, k) for s, e, k in kept if k is not None]
    findings.extend(Finding(s, e, Kind.NAME) for s, e in names)
    findings.sort(key=lambda f: f.start)
    return tuple(findings)


# --------------------------------------------------------------------------------------------
# Word lists. Everything is compared after `_fold`: lower case, straight apostrophes, no accents.


def _words(block: str) -> frozenset[str]:
    return frozenset(_fold(word) for word in block.split())


@lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    word = word.replace("\u2019", "'").replace("\u2018", "'").casefold()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Given names common in England and Wales, across communities. Names that are also ordinary
# words are in _WORD_NAMES instead.
_GIVEN_NAMES = _words("""
    aaron abbas abbi abbie abby abdi abdikarim abdirahman abdul abdullah abdullahi abel abena
    abigail abimbola adaeze adam adebayo adeel adele adil aditi aditya adjoa adnan adrian adwoa
    afua agnieszka ahmad ahmed ahmet aidan aiden ailsa aimee aisha aisling aiyana ajay akash
    akosua akua alan alana aleena aleksandra alesha alex alexa alexander alexandra alexandru
    alexis alfie ali alice alicia alina alisha alison alistair aliyah allan allie alma amaka
    amal amanda amandeep amani amara amari amaya amber-rose amelia ameliah amelie amina aminah
    amir amira amit amna amy ana anastasia anaya andre andrea andreea andrei andrew andy aneesa
    angela angelica anil anisa anita anjali ankit anna annabel annabelle anne annie anthony
    antonio anya aoife aqib aram arash archie ardit arham ari arian arjan arjun arlo arman
    arran arslan arta arthur arun aryan asad asha ashanti ashton asif asim asma asya aurimas
    ava axel ayaan ayan ayanna ayda ayesha ayla ayman ayo ayodele ayomide ayse azra babajide
    baljit balwinder bao baran barbara barry bartek bartosz bashir bayo bea beatrice beatrix
    becca becky bella ben benjamin benji bernadette besnik beth bethan bethany betty bev
    beverley bhavesh bianca biddy bilal billie billy binh biniam bisi blerim bobby bogdan
    bonnie brad bradleigh bradley brandon brayden brenda brendan brett brian bridget britney
    brodie bronwen bronwyn bruno bryony bukola burak caden cai caitlin caleb callum calum
    calvin cameron camila cara carl carla carlos carly caroline carys casey casper cassie
    catalin catherine cathy catrin cem cerys chanel chantal chantelle charlene charles charley
    charlie charlotte chaz chelsey chen cherelle cheryl chetan chidera chidi chinedu
    chioma chipo chloe chris christian christina christine christopher chukwuemeka cian ciara
    ciaran cindy claire clara clare claudette claudia clodagh cody colette colin conner connor
    conor corey courtney craig cristian cristina curtis dafydd daisy-mae damian damien damilola
    dan dana dani daniel daniela danielle danny danyal darcey darcie darcy daria darius darnell
    darren darya dave david davina dawid dawit dayo debbie deborah declan dee deepa deepak deja
    delroy demi denis denisa dennis derek deshaun deshawn desmond dev dex dexter dhruv diana
    diane dilan dilara dimitri dinesh dionne divya diya dmitri dmytro dom dominic dominik donna
    donovan dorothy duc dwayne dylan ebony ebuka eddie edward edwin efe efua egle ehsan eilidh
    eithne eleanor elena eli elias elif elijah elin elina elira eliza elizabeth ella ellen
    ellie ellie-mae elliot elliott ellis elly eloise elsa elsie elvis emeka emil emilia emily
    emir emma emmanuel emre endrit enzo eren erin erion ermal ervin esha esme esmee esmeralda
    esra esther ethan etta eva evan evelyn evie ewan eyob ezra fahad faisal faizan farah farai
    farhad farhan farhiya farid fariha fartun farzana fatima fatma fatuma faye feven ffion
    filip filsan finlay finley finn fiona florin francesca francis frankie fraser freddie
    freddy frederick freya funke funmi gabriel gabriella gabrielle gareth garry gary gavin gaz
    gemma gentian geoff george georgie gerard gheorghe gianna giles gina giovanni gita glenn
    gloria gordon gosia graham grainne guled gurdeep gurleen gurpreet gwen hafsa haider hajra
    hakan haleema halima hamdi hamid hamish hamza hana hanna hannah hao harjit harleen harley
    harlow harpreet harriet harris harrison harvey hasan hassan hawa hawre hayden haydn hayley
    heidi helen helena henry hevin hibo hieu hina hira hiroshi hoa hodan holly holly-mae hozan
    huda hugh hugo huy hyun ian ibrahim idowu idris ieva ifeanyi ifeoma ifrah igor ikenna ilhan
    ilyas imaan iman imani imogen imran inaya ines ioana ionut iqra irfan irina isa isaac
    isabel isabella isabelle isaiah isha ishaan ishani isla ismail issa ivan iwan izzy jacob
    jacqueline jada jaden jadon jagdeep jai jaiden jake jakub jamal jamar jamel james jamie jan
    jane janelle janet janice jannah jannat jared jas jasleen jasmin jasmine jason jaspreet
    jasvinder jaswinder javid javier jawad jawid jaxon jay jay-jay jayden jaydon jaylen jayne
    jazmin jazmine jean jeff jenna jennifer jenny jensen jenson jeremiah jeremy jermaine jerome
    jess jesse jessica jessie jetmir ji jibril jide jie jill jim jimmy jin jo joan joanna
    joanne jodie joe joel joey johann john johnny jon jonah jonas jonathan jonny jordan-lee
    jose josef joseph josh joshua josiah joy-anne jude judith julia julian julie juliet jun
    junaid justin justyna kacper kadeem kaden kagiso kai kaiden kaitlyn kalum kamal kamil
    kamran kane kara karan karen karina karl karolina karwan kasia kate katelyn katerina
    kateryna katharine kathleen kathryn katie katrina kay kaya kayden kayla kaylee kayleigh
    kayode keegan keeley keira keisha keith kelechi kelly kelsey kemi ken kenji kenneth kenny
    kenzie kerem kerri kerry kerry-ann kevin khadija khadra khalid khanh kian kiara kiaran
    kiera kieran kiesha kim kimberley kinga kiran kirsten kirsty klea klevis klodian kobe kofi
    kojo komal kris krish krishna kristian krzysztof kuda kuldeep kunal kurt kwabena kwaku
    kwame kweku kwesi kyle kylie kymani lacey laila lakshmi lara larisa latoya laura lauren
    layla leah leanne lee leela leia leighton leila lena lennie lennon lenny leo leon leona
    leonard leonie lerato leroy leslie levi lewis lexi lexie liam liban libby lilly lily
    lily-rose lina linda lindsey ling linh lisa livia liz lizzie logan lois lola lorna lorraine
    lottie louie louis louisa louise luan luca lucas lucia lucie lucy luis luka lukas lukasz
    luke luna lydia lyla mabel macey macie maciej mackenzie macy madeleine madison mae maha
    mahdi mahir mahmood mahmoud mai maisie maisy maja makayla malachi malak malik mandy manish
    manjit manpreet mantas manuel marc marcel marcia marcin marco marcus margaret maria mariam
    marie mario marion marius marley marlon marta martha martin marwa mary maryam mason mateo
    mateusz mathew matilda matt matteo matthew maxine maya megan meghan mehdi mehmet mehreen
    mehret mei melanie melissa merhawi merve mia micah michael michaela michal michelle mick
    mickey miguel mihai mikael mike mikey mikolaj mila milan milena millie milly mina minh mira
    miriam mitchell mohamed mohammad mohammed mohan mohsin mollie molly mona monica monique
    morag morgan moses mostafa muhammad mukhtar murat musa mustafa mya myles nabeel nadeem
    nadia nadine nafis naila najib nancy naomi nasir nasra nasreen natalia natalie natasha
    nathan nathaniel navdeep naveed nawal nazanin nazia neha neil nell nellie nevaeh neve ngoc
    ngozi nia niall niamh nicholas nick nicki nicky nico nicola nicole nigel nikhil nikita
    nikki nikola nina nisha nitin nkechi nnamdi noah noel nomsa noor nora noreen nour nusrat
    nyasha obinna oisin ola olena olga oliver olivia oliwia ollie olly olumide oluwadamilare
    oluwaseun omar omid orla ornela oscar oskar osman otis owen ozan paddy padraig paige
    pallavi pamela paris-jade parminder parsa patrick patryk paul paula paulette pauline pawel
    pedro peter petra phil philip phillip phoebe pierre piotr piper polina pooja poppy-mae
    pranav preston priya puja qasim quang rabia rachael rachel radhika rafael rahim rahima
    rahul raj rajesh rajinder rakesh rakib ramesh rana rania rasa rashid rayan rayyan razvan
    rebaz rebecca rebekah reece reem rees reese reggie rehan rehana rei reiss rekha remi remy
    reuben reza rhea rhian rhiannon rhona rhys ria rianna ricardo richie rick ricky rico rina
    rio rishi rita riya rizwan robbie robel robert roberta robyn rocco rohan roisin rojin
    roksana romeo ronan ronnie rory rosa rosalie rosie ross rowan roxanne roxy rozerin ruben
    rubina rudo rufus rukhsana rumbi rupa ruqayyah ruta ruth ryan saanvi sabbir sabrina sachin
    sadia sadie safa safiya sagal sahar sahil saima saira sajid sakina salim salma salman sam
    samantha samara sameer samina samir samira samrawit samuel sana sandeep sandra sangeeta
    sanjay sanjeev saoirse saqib sara sarah sasha saskia savannah scarlett scott sean sebastian
    segun selam selin selina semhar senait seren serena serkan seun shabana shafiq shahid
    shahnaz shahzad shamima shana shanaya shane shania shanice shaniqua shannon shantelle
    sharmaine sharon shaun shauna shazia shelby shelley sheryl shilpa shirin shiv shoaib shona
    shreya sian siddharth sidra sienna simon simone simran sinead siobhan sipho sita skye sofia
    sofiya sonia sonny sophia sophie sophie-leigh spencer stacey stacy stan stanley stefan
    stella stephanie stephen steve steven stevie stuart sukhdeep sukhwinder suki suleiman
    sumaira sumaiya sumaya sunil sunita suresh susan susie suzanne svetlana szymon tahir tahira
    tahmid taiwo talha tallulah tamara tamsin tanisha tanvi tanvir tanya tara tariq tarun
    tasneem tasnim tatenda tayla taylor teagan teddy tegan temi tendai terence teresa terri
    terry tesfay tess tessa thabo thandi thanh thao thea themba theo theodore thomas tia
    tia-marie tiana tiffany tilly tim timothy tina tinashe tobi tobias toby todd tolu tom tomas
    tomasz tommy toni tony tori tracey tracy travis trevor trey troy tuan tunde tyler tyreke
    tyrell tyrese tyrone ugne umair umar usha usman uzair uzma valentina vanessa varun vasile
    veronica vicky victor victoria vidya vijay vikram vinnie vivek vlad vladimir wahid waleed
    walid waqas warsame wayne wei wendy wesley whitney wiktoria wilf wilfred willow-mae winston
    wojciech xavier xhesika xin yahya yan yara yasin yasir yasmin yasmine yassin yaw yemi
    yetunde yohannes yonas yousef yuki yulia yusuf yvonne zac zach zachary zack zahir zahra
    zain zainab zak zakaria zakariya zamzam zanele zara zarah zayan zayn zaynab zeeshan zeynep
    zoe zoey zofia zoya zubair zuri zuzanna
    """)

# Given names (and nicknames) that are also ordinary English words, months or places: a name
# only when a cue says so.
_WORD_NAMES = _words("""
    abbey amber angel april art ash august autumn bill blessing bob brooke buster carol
    charity chase chelsea clay cole comfort crystal daisy dale dawn dean destiny devon divine
    dolly don drew ed eden ember eve faith favour florence frank gene georgia gift glen glory
    goodness grace grant guy harmony harry hazel heather heaven hector hope hunter india ion
    ivy jack jade jasper jordan joy june kit kitty liberty marina mark marvellous max may
    melody mercy miles miracle misty mo pat patience peace pearl penny poppy precious prince
    princess raven ray rich river rob robin roman rose ruby rusty sage sandy scarlet sky star
    storm sue summer sunny tiny trinity violet warren will willow wisdom
    """)

# Surnames common in England and Wales, for lower-case text after a title or a given name.
_SURNAMES = _words("""
    abdi adams adebayo adeyemi ahmed akhtar ali allen anderson andrews appiah armstrong asante
    atkinson aziz bailey bains baker ball barker barnes barrett bates begum bell bennett berry
    bibi bird bishop boateng booth bradley brooks brown burgess burke burns burton butler butt
    byrne campbell carr carter chambers chan chapman chauhan chaudhry chen cheung clark clarke
    cole coleman collins cook cooke cooper cox cross curtis davies davis dawson day dhillon
    dixon doherty doyle dunn edwards elliott ellis evans eze farah fernandes fisher fletcher
    ford foster fox francis freeman gallagher garcia gardner gibson gilbert gill gordon graham
    grant gray green gregory grewal griffin griffiths gupta hall hamilton harding harper harris
    harrison hart harvey hassan hawkins hayes henderson higgins hill hodgson holland holmes
    hopkins hossain howard hudson hughes hunt hunter hussain iqbal islam jackson james jenkins
    johnson johnston jones kaur kavanagh kelly kennedy khan king knight kowalski kumar lam lane
    lawrence lee lewis li liu lloyd long lopez lowe mahmood malik marsh marshall martin martinez
    mason matthews may mccarthy mcdonagh mcdonald mcgrath mensah miah miller mills mistry
    mitchell mohamed moore morgan morris moss murphy murray newman newton ng nguyen nicholls
    nicholson nowak nwosu o'brien o'connell o'connor o'neill o'sullivan obi okafor okonkwo
    okoro oliver osborne osei owen owusu page palmer parker parmar parry parsons patel payne
    pearce pearson perry pham phillips popa popescu porter potter powell price pritchard
    qureshi rahman raja read reed rees reid reynolds richards richardson riley roberts robinson
    robson rodrigues rogers rose ross rowe russell ryan sandhu santos saunders scott shah sharma
    sharp shaw shepherd sidhu silva simpson singh smith solanki spencer stevens stewart stone
    sutton taylor thomas thompson tran turner uddin walker wallace walsh walton wang ward watkins
    watson watts webb webster wells west wheeler white wilkinson williams williamson willis
    wilson wong wood woods wright wu yang yates yilmaz young zhang zhao
    """)

# Capitalised words that are not personal names: places, organisations, apps, brands,
# safeguarding terms, days, months, festivals, nationalities, languages and faiths.
_NOT_NAMES = _words("""
    monday tuesday wednesday thursday friday saturday sunday mon tues wed thurs fri sat sun
    mondays tuesdays wednesdays thursdays fridays saturdays sundays weekends
    january february march july september october november december
    jan feb mar apr aug sep sept oct nov dec
    christmas xmas easter eid ramadan diwali hanukkah halloween vaisakhi navratri passover
    lent advent whitsun bonfire
    dsl ddsl mash lado ceop nspcc childline barnardo barnardo's barnardos brook police
    arbor bromcom sims scholarpack classdojo behaviourwatch edulink teams slack ofsted
    kcsie cpoms myconcern camhs cafcass crimestoppers samaritans kooth catch22 papyrus
    youngminds nhs gp iwf nca nrm mace dfe ofcom unicef rspca hmrc dwp snapchat snap insta
    instagram tiktok whatsapp facebook messenger discord roblox robux fortnite minecraft xbox
    playstation psn youtube twitter telegram onlyfans tinder grindr kik omegle wizz yubo twitch
    reddit google gmail hotmail outlook apple iphone android samsung microsoft zoom uber
    deliveroo tesco asda aldi lidl sainsbury's morrisons greggs primark costa starbucks nando's
    mcdonald's maccies kfc subway argos paypal monzo revolut klarna amazon vinted depop airbnb
    travelodge coop co-op spar lycamobile vodafone giffgaff
    audi bmw ford vauxhall toyota honda nissan mercedes merc benz tesla kia hyundai volkswagen vw
    fiat peugeot renault citroen skoda seat mini jaguar volvo mazda lexus porsche landrover
    jeep suzuki dacia cupra corsa fiesta golf polo astra qashqai prius transit sprinter
    olds
    pic pics pix vid vids
    english british welsh scottish irish polish romanian albanian vietnamese chinese somali
    eritrean sudanese kurdish afghan iranian syrian iraqi nigerian ghanaian jamaican indian
    pakistani bangladeshi turkish lithuanian latvian ukrainian russian portuguese spanish
    italian french german african caribbean asian european arab arabic urdu punjabi bengali
    gujarati tamil tigrinya pashto dari farsi muslim christian sikh hindu jewish catholic
    anglican buddhist roma romany traveller travellers gypsy
    england wales scotland britain uk ireland europe africa albania romania poland vietnam
    china somalia eritrea sudan afghanistan iran iraq syria nigeria ghana jamaica pakistan
    bangladesh turkey lithuania ukraine russia portugal spain italy france germany kurdistan
    ethiopia egypt libya morocco kenya zimbabwe uganda congo
    london manchester birmingham leeds liverpool sheffield bristol newcastle nottingham
    leicester coventry bradford cardiff swansea newport belfast glasgow edinburgh aberdeen
    dundee hull stoke wolverhampton derby southampton portsmouth plymouth reading luton
    northampton norwich ipswich peterborough cambridge oxford keynes brighton hove
    bournemouth poole exeter gloucester cheltenham swindon bath salisbury worcester hereford
    shrewsbury telford stafford walsall dudley sandwell wednesbury bromwich solihull
    nuneaton rugby warwick leamington lincoln grimsby scunthorpe doncaster rotherham barnsley
    wakefield huddersfield halifax bolton bury oldham rochdale stockport tameside salford
    wigan warrington helens widnes runcorn chester crewe blackburn burnley preston
    blackpool lancaster carlisle kendal barrow sunderland gateshead durham darlington
    middlesbrough stockton hartlepool redcar york harrogate scarborough selby keighley
    dewsbury batley chesterfield mansfield worksop ashfield kettering corby wellingborough
    bedford watford stevenage hemel hertford harlow basildon southend chelmsford colchester
    braintree maidstone medway chatham gillingham canterbury margate thanet dover folkestone
    ashford crawley horsham guildford woking slough windsor maidenhead wokingham bracknell
    basingstoke winchester andover aldershot farnborough eastbourne hastings torquay torbay
    truro newquay taunton yeovil weston wrexham rhyl bangor llanelli merthyr pontypridd
    bridgend caerphilly croydon sutton bromley lewisham southwark lambeth wandsworth
    hackney islington camden haringey enfield barnet brent ealing hounslow hillingdon harrow
    newham hamlets redbridge havering bexley greenwich kingston richmond merton
    waltham dagenham tottenham peckham brixton harlesden stratford wembley
    dalston streatham walthamstow edmonton woolwich hammersmith fulham kensington
    westminster soho shoreditch longsight handsworth sparkbrook chapeltown
    harehills toxteth everton byker easton
    cornwall dorset somerset wiltshire hampshire surrey sussex kent essex suffolk norfolk
    lincolnshire yorkshire lancashire cumbria northumberland merseyside cheshire derbyshire
    nottinghamshire leicestershire staffordshire shropshire warwickshire worcestershire
    herefordshire gloucestershire oxfordshire berkshire buckinghamshire bedfordshire
    hertfordshire cambridgeshire northamptonshire midlands
    ks1 ks2 ks3 ks4 ks5 gcse gcses sen send senco sendco ehcp pshe rse rshe pe re ict maths
    science history geography drama
    """)

# Words that are never names: pronouns, determiners, prepositions, auxiliaries, conjunctions.
_STOP = _words("""
    a about above across after again against all also am an and another any anyone anything
    are around as at be because been before being below between both but by can can't cannot
    could couldn't did didn't do does doesn't doing don't down during each either else even
    ever every everyone everything few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here hers herself him himself his how i i'd i'll i'm i've if
    in into is isn't it it's its itself just let's me might mine more most much must mustn't
    my myself neither no nobody none nor not nothing now of off on once one only or other our
    ours ourselves out over own per same she she'd she'll she's should shouldn't so some
    somebody someone something such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those though through till to
    too under until up upon us very was wasn't we we'd we'll we're we've were weren't what
    what's when where which while who who's whom whose why with without won't would
    wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    yes ok okay hi hello hey thanks thank please sorry pls plz yeah yep nope lol tbh etc
    """)

_TITLES = _words("mr mrs ms miss mx dr prof sir dame pc dc ds di dci sgt cllr rev revd fr")
_POLICE_RANKS = _words("pc dc ds di dci sgt")
_FAMILY_TITLES = _words("""
    uncle auntie aunty aunt nan nana nanna nanny gran granny grandma grandad grandpa cousin
    """)
_RELATIONS = _words("""
    mum mom mother dad father stepdad stepmum stepfather stepmother step-dad step-mum brother
    sister son daughter boyfriend girlfriend bf gf partner friend mate pal carer neighbour
    colleague worker teacher tutor coach student pupil girl boy lad child kid sibling twin
    baby niece nephew lodger landlord boss dsl sw nurse officer pcso manager mentor keyworker
    patient uncle auntie aunty aunt nan nana gran grandma grandad cousin yp sister-in-law
    brother-in-law girls boys lads friends mates
    """)
_NAME_CUES = _words("called named nicknamed aka")
_ARTICLES = _words("the a an this that these those our my your their its")
# Surnames that are also words ending the names of days, rooms and places: "may day", "mark
# hall", "grace hill".
_PLACE_SURNAMES = _words("day hall long hill wood woods page read west cross lane mills wells")
# Nouns that a common word before them describes ("foster carer", "young person", "key worker"):
# after one, a common word that is also a surname is read as a word.
_COMPOUND_HEADS = _RELATIONS | _words("""
    carers care placement placements person people parent parents family families home homes
    offender offenders service services team teen teens teenager teenagers adult adults man men
    woman women
    """)
_GREETINGS = _words("hi hello hey hiya thanks thank cheers dear morning afternoon evening ta")
_VERBS_AFTER = _words("""
    said says told tells disclosed discloses mentioned mentions asked asks texted texts
    messaged messages rang rings phoned called calls emailed keeps kept went goes came comes
    left got gets has had hasn't hadn't is was isn't wasn't does did doesn't didn't won't
    will would can't could should seems seemed looks looked lives lived thinks thought wants
    wanted reported admitted ran runs stayed stays arrived turned refused refuses claims
    claimed explained showed sent sends gave gives hangs hung disappeared disappears sleeps
    slept attends attended started stopped shared posted
    """)
# After a sentence-initial word that is otherwise unknown, only the clearer of these count.
_STRONG_VERBS_AFTER = _VERBS_AFTER - _words("is was has had does did will would could should")
_POSSESSIONS = _words("""
    mum mom dad mother father nan gran grandma grandad parents family brother sister cousin
    uncle aunt auntie aunty stepdad stepmum boyfriend girlfriend friend friends mate mates
    phone number house home flat address name social worker school carer foster case sw
    account snap dob bag room bedroom locker laptop car bike coat clothes class form teacher
    tutor messages texts pictures photos birthday party place
    """)
_POSSESSIONS = _POSSESSIONS | _RELATIONS | _FAMILY_TITLES
_PLACE_WORDS = _words("""
    in at near around outside inside into across towards toward via through past round
    opposite
    """)
_MOTION_WORDS = _words("""
    go goes went going gone move moved moving travel travelled traveled sent taken brought
    trafficked back moving return returned returns come came drive drove driven
    """)
_TIME_WORDS = _words("""
    in on of during since until till by from before after early late mid end next last this
    every the a an that each
    """)
_MONTH_NAMES = _words("may june april august")
_ORG_WORDS = _words("""
    trust foundation centre center service services team council hospital clinic church
    mosque temple gurdwara club project partnership board panel unit station park road street
    academy school college primary helpline line act bill
    """)
_NAME_PARTICLES = _words("bin bint ibn al el van von de da du le la di ul ap abu")
# People the guidance itself names (knowledge/ and ../shared/domain/), by surname with their
# given name. Staff ask about their reports: "the casey audit", "professor jay", "anne longfield
# inquiry". They are left alone only beside a document word or a title of office, so a child
# called Casey or Jay is still a name.
_PUBLIC_FIGURES = {
    "jay": "alexis",
    "casey": "louise",
    "longfield": "anne",
    "berelowitz": "sue",
    "faithfull": "lucy",
}
_DOCUMENT_WORDS = _words("""
    report reports audit audits inquiry enquiry review reviews recommendations recommendation
    findings foundation national
    """)
_OFFICES = _words("baroness dame professor prof lady sir")


# Everyday words of staff messages that the dictionary behind words.txt lacks.
_MORE_COMMON = _words("""
    stepdad stepmum stepbrother stepsister stepdaughter stepson nan nana nanna gran grandad
    postcode helpline helplines whistleblowing safeguarding cuckooing cuckooed sexting
    sextortion nudes nude olders youngers groomer groomers chatroom webcam selfie selfies vape
    vapes vaping snapchatting facetime facetimed screenshot screenshots chronology referral
    referrals messaging texting trafficked trafficker traffickers exploiter exploiters
    perpetrator perpetrators unaccompanied keyworker caseworker yr yrs fyi asap cos coz thx
    hun babe bestie bezzie mentee ehcps cpoms sen senco deputy pastoral attendance exclusion
    excluded disclosure disclosures pupils tutees tutee carers fostering adopter adopters
    mum's dad's
    disclosing absconded absconding retracted retracting catfished catfishing sextorted
    airdropped airdrop pinging caseload caseloads timetabler refresher leaver takeaway bloke
    blokes teething childrens promiscuous portakabin onedrive confided screenshotted
    screenshotting paediatrician paediatricians mindee mindees childminder childminders
    flinch flinches flinching plaster plasters
    """)
# What staff type in a quick chat message where a name could stand ("the girl hasnt said",
# "dsl wat do they do"): contractions without the apostrophe (those of _STOP are derived from
# it), text-speak and abbreviations.
_CHAT_WORDS = _words("""
    aint arent neednt heres hows whens wheres
    wat wot wen wer wiv jus juss shd wud cud cld wld gonna wanna gotta dunno tho thru ur b4
    2day tmrw tmr msg msgs msgd msged txt txts txtd dm dms dmd dmed idk imo btw omg ppl thx
    ddsl mash lado cce cse nrm ceop edt csc ico kcsie lac cla cin cp hsb fgm slt ehcp bsl
    """) | {word.replace("'", "") for word in _STOP if "'" in word}


def _load_common_words() -> frozenset[str]:
    # The verbs and possessions the cues look for are words too ("a kid discloses").
    listed = _MORE_COMMON | _CHAT_WORDS | _VERBS_AFTER | _POSSESSIONS
    return (common_words() | listed) - _GIVEN_NAMES - _WORD_NAMES


_COMMON = _load_common_words()


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
MISSPELT_LENGTH = 9  # from this length, a word one slip from a common word is a misspelling
_LONGEST_COMMON = max(map(len, _COMMON))


@lru_cache(maxsize=4096)
def _misspelt_common(word: str) -> bool:
    """A long word one slip (a letter dropped, added, changed, or two swapped) from a long
    common word: "exploitaiton", "safegaurding", "definately". Names that long so close to an
    English word are rare; short ones are not ("Ben", "Amy"), so short words are never read
    this way."""
    if not MISSPELT_LENGTH <= len(word) <= _LONGEST_COMMON + 1 or not word.isalpha():
        return False
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    candidates = (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
        | {a + c + b for a, b in splits for c in _LETTERS}
    )
    return any(
        len(candidate) >= MISSPELT_LENGTH and candidate in _COMMON for candidate in candidates
    )


def _is_given(word: str) -> bool:
    if word in _GIVEN_NAMES:
        return True
    if "-" in word:
        parts = word.split("-")
        return any(p in _GIVEN_NAMES or p in _WORD_NAMES for p in parts) and not any(
            p in _STOP or (p in _COMMON and p not in _SURNAMES) for p in parts
        )
    return False


def _is_common(word: str) -> bool:
    if word in _COMMON:
        return True
    if "-" in word:
        return all(p in _COMMON or p in _STOP or not p for p in word.split("-"))
    return False


# --------------------------------------------------------------------------------------------
# Structured details: emails, links, handles, numbers, postcodes, dates, addresses, schools.

_Span = tuple[int, int, Kind | None]  # Kind None: protected (a link), never redacted or named

_EMAIL = re.compile(
    r"(?<![\w.%+'-])[\w.%+'-]{1,256}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63}){1,8}"
)
_URL = re.compile(r"(?i)(?<![\w@])(?:https?://|www\.)[^\s<>\"'|]{1,2048}")
_SOCIAL_URL = re.compile(
    r"(?i)(?<![\w.])(?:www\.)?(?:instagram|tiktok|snapchat|twitter|x|facebook|fb|threads|"
    r"youtube)\.(?:com|net)/(?:add/)?@?([A-Za-z0-9_.]{2,40})"
)
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,38}[A-Za-z0-9_])?)")
_NOT_HANDLES = frozenset({"here", "channel", "everyone", "all"})
_TIME_HANDLE = re.compile(r"[0-9]{1,2}(?:[:.][0-9]{2})?(?:am|pm)?", re.IGNORECASE)
_CUED_HANDLE = re.compile(
    r"(?i)\b(?:snap(?:chat)?|insta(?:gram)?|ig|tik ?tok|twitter|discord|telegram|kik|"
    r"gamer ?tag|user(?: ?name)?|handle|psn|xbox|account)"
    r"(?:[ \t]+(?:name|user(?: ?name)?|handle|id|tag|account))?"
    r"(?P<link>[ \t]+(?:is|was|as|=|-)|[ \t]*[:=])?[ \t]+@?(?P<handle>[A-Za-z0-9_.]{3,40})"
)
_CHUNK = re.compile(r"\S{1,200}")
_UNDERSCORED = re.compile(r"[A-Za-z0-9.]{0,40}[A-Za-z0-9]_[A-Za-z0-9_.]{0,40}")

# National lines staff may quote (knowledge/contacts.yaml) that are not freephone or 03.
_SERVICE_NUMBERS = frozenset({"02073407264"})
_PHONE_UK = re.compile(
    r"(?<![0-9+])(?P<prefix>(?:\+|00)[ ]?44[ \-]?(?:\([ ]?0[ ]?\)[ ]?)?|\(?0)"
    r"(?P<rest>[1-9](?:[ \-.)]{0,2}[0-9]){8,9})(?![0-9])"
)
# A run of digits and separators starting with "+", "(" or "0": where a phone number can be.
_PHONE_RUN = re.compile(r"[+(0][0-9 ()+\-.]*")
# A number typed a digit at a time ("0 7 7 0 0 9 0 0 1 2 3"), as people read one out.
_PHONE_SPACED = re.compile(r"(?<![0-9])0(?:[ \-.][0-9]){9,10}(?![0-9])")
_PHONE_INTL = re.compile(r"(?<![0-9+\w])\+(?!44)[1-9][0-9]{0,2}(?:[ \-.]?[0-9]){7,12}(?![0-9])")
_NHS = re.compile(r"(?<![0-9])[1-9][0-9]{2}([ \-]?)[0-9]{3}\1[0-9]{4}(?![0-9])")
_NI = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}([ ]?)[0-9]{2}[ ]?[0-9]{2}[ ]?[0-9]{2}(?:[ ]?([A-Da-d]))?"
    r"(?![A-Za-z0-9])"
)
_NI_CUE = re.compile(r"(?i)\b(?:ni|nino|insurance)\b")

_POSTCODE_AREAS = _words("""
    ab al b ba bb bd bh bl bn br bs bt ca cb cf ch cm co cr ct cv cw da dd de dg dh dl dn dt dy
    e ec eh en ex fk fy g gl gu gy ha hd hg hp hr hs hu hx ig im ip iv je ka kt kw ky l la ld
    le ll ln ls lu m me mk ml n ne ng nn np nr nw ol ox pa pe ph pl po pr rg rh rm s sa se sg
    sk sl sm sn so sp sr ss st sw sy ta td tf tn tq tr ts tw ub w wa wc wd wf wn wr ws wv yo ze
    """)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?P<area>[A-Za-z]{1,2})(?P<district>[0-9][A-Za-z0-9]?)"
    r"(?:[ \u00a0]{0,2}(?P<inward>[0-9][A-Za-z]{2}))?(?![A-Za-z0-9])"
)
_OUTWARD_BEFORE = re.compile(r"(?i)(?:post ?code|area)s?[ \t]*(?:is|of|was|:|-)?[ \t]*$")
_OUTWARD_AFTER = re.compile(r"(?i)^[ \t]+(?:area|postcode|district)\b")
_OUTWARD_PLACE = re.compile(r"(?i)\b(?:in|near|around|from|to|at)[ \t]+(?:the[ \t]+)?$")

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])"
_NUMERIC_DATE_HINT = re.compile(r"[0-9][./\-][0-9]")
_DATE_NUMERIC = re.compile(
    r"(?<![0-9./\-])(?P<a>[0-9]{1,2})(?P<sep>[./\-])(?P<b>[0-9]{1,2})(?P=sep)"
    r"(?P<y>[0-9]{4}|[0-9]{2})(?![0-9]|[./\-][0-9])"
)
_DATE_ISO = re.compile(
    r"(?<![0-9./\-])(?:19|20)[0-9]{2}(?P<sep>[./\-])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"(?![0-9]|[./\-][0-9])"
)
_DATE_DAY_MONTH = re.compile(
    rf"(?i)(?<![0-9])(?P<day>{_DAY})(?P<ord>st|nd|rd|th)?(?:[ \t]+of)?[ \t]+(?P<month>{_MONTH})"
    rf"(?![A-Za-z])(?P<year>,?[ \t]+(?:[0-9]{{4}}|'[0-9]{{2}})(?![0-9]))?"
)
_DATE_MONTH_DAY = re.compile(
    rf"(?i)(?<![A-Za-z])(?P<month>{_MONTH})[ \t]+(?:the[ \t]+)?(?P<day>{_DAY})"
    rf"(?:(?:st|nd|rd|th)(?![A-Za-z])(?:,?[ \t]+[0-9]{{4}}(?![0-9]))?|,?[ \t]+[0-9]{{4}}(?![0-9]))"
)
_DATE_CUED = re.compile(
    r"(?i)\b(?:dob|d\.o\.b\.?|date of birth|born(?:[ \t]+on)?|birthday(?:'s|[ \t]+is)?"
    r"(?:[ \t]+on)?)[ \t]*[:\-]?[ \t]*(?P<date>[0-9]{1,2}[./\-][0-9]{1,2})(?![0-9./\-])"
)

_STREET = (
    r"street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|crescent|cres|court|ct|gardens|"
    r"gdns|grove|place|pl|terrace|terr|walk|row|square|sq|hill|park|mews|view|rise|green|"
    r"parade|vale|mount|croft|fold|gate|lea|meadow|meadows|yard|wharf|wynd|brow|bank|chase|"
    r"boulevard|parkway|circus|approach|broadway|cottages|heights|fields|hollow|wood|end|side"
)
_LOWER_STREET = _words(
    "street road avenue lane close drive crescent terrace grove gardens mews way"
)
_CAPWORD = r"(?:[A-Z][A-Za-z'\u2019]*(?:-[A-Za-z'\u2019]+)?)"
_WORD = r"(?:[A-Za-z][A-Za-z'\u2019]*(?:-[A-Za-z'\u2019]+)?)"
_FLAT = r"(?:flat|apartment|apt|unit|room)[ \t]*[0-9]{1,4}[A-Za-z]?"
_HOUSE = (
    rf"(?:(?:The[ \t]+)?(?:{_CAPWORD}[ \t]+){{0,2}}(?:Cottage|House|Farm|Lodge|Barn|Villa|Manor|"
    r"Hall|Rectory|Vicarage|Bungalow|Court|Flats|Apartments|Mansions|Buildings|Tower|Towers|"
    r"Heights|Point))"
)
_NUMBER = r"(?:[0-9]{1,4}[A-Za-z]?(?:-[0-9]{1,4})?)"
_ADDRESS_NUMBERED = re.compile(
    rf"(?i)(?<![\w.])(?:{_FLAT}(?:[ \t]*,[ \t]*|[ \t]+at[ \t]+|[ \t]+))?"
    rf"(?-i:(?:{_HOUSE}[ \t]*,[ \t]*)?)"
    rf"(?P<number>{_NUMBER}),?[ \t]+(?P<words>(?:{_WORD}[ \t]+){{0,3}})(?P<suffix>{_STREET})\b"
    r"(?![\-'])"
)
_ADDRESS_THE = re.compile(
    rf"(?<![\w.])(?P<number>{_NUMBER}),?[ \t]+The[ \t]+{_CAPWORD}(?:[ \t]+{_CAPWORD})?"
)
_ADDRESS_ONE_WORD = re.compile(
    rf"(?<![\w.])(?P<number>{_NUMBER}),?[ \t]+[A-Z][a-z]{{2,}}(?:way|gate)\b"
)
_ADDRESS_HOUSE = re.compile(
    rf"(?i:(?<![\w.]){_FLAT}(?:[ \t]*,[ \t]*|[ \t]+))?{_HOUSE}[ \t]*,[ \t]*"
    rf"(?P<words>(?:{_CAPWORD}[ \t]+){{1,3}})(?P<suffix>(?i:{_STREET}))\b"
)
_ADDRESS_FLAT_HOUSE = re.compile(rf"(?i:(?<![\w.]){_FLAT})[ \t]*,?[ \t]+{_HOUSE}")
_ADDRESS_FLAT = re.compile(
    rf"(?i)(?<![\w.]){_FLAT}[ \t]*,?[ \t]+(?-i:(?P<words>(?:{_CAPWORD}[ \t]+){{1,3}}))"
    rf"(?P<suffix>{_STREET})\b"
)
_ADDRESS_CUED = re.compile(
    rf"(?<![\w])(?:on|at|off|in|along|near)[ \t]+(?P<street>(?P<words>(?:{_CAPWORD}[ \t]+){{1,3}})"
    r"(?P<suffix>Street|St|Road|Rd|Avenue|Ave|Lane|Close|Drive|Crescent|Terrace|Grove|Gardens|"
    r"Mews|Way))\b"
)
# A named housing (or industrial) estate: "the Ashfield estate", "Park Lane Estate".
_ADDRESS_ESTATE = re.compile(
    rf"(?<![\w'\u2019])(?:(?:The|THE)[ \t]+)?(?P<words>(?:{_CAPWORD}[ \t]+){{1,3}})"
    r"(?:[Ee]state|ESTATE)\b"
)
_ESTATE_HINT = re.compile(r"(?i:estate)\b")
_GENERIC_ESTATE = _words("real council housing local big new old same whole")
_NUMBER_RUN = re.compile(r"[0-9]{1,4}")
_HOUSE_HINT = re.compile(
    r"Cottage|House|Farm|Lodge|Barn|Villa|Manor|Hall|Rectory|Vicarage|Bungalow|Court|Flats|"
    r"Apartments|Mansions|Buildings|Tower|Heights|Point"
)
_STREET_HINT = re.compile(
    r"Street|St\b|Road|Rd\b|Avenue|Ave\b|Lane|Close|Drive|Crescent|"
    r"Terrace|Grove|Gardens|Mews|Way\b"
)
_CALENDAR_WORDS = _words("""
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday
    """)
_STREET_WORD_REJECT = _words("""
    year years yr yrs old times time day days week weeks month months hour hours min mins
    minute minutes mile miles kids children boys girls lads men women people pupils students
    young person persons other different separate more less few lot lots than
    """)

_SCHOOL_SUFFIX = (
    r"Primary|Secondary|High|Grammar|Academy|College|School|Comprehensive|Juniors?|Infants?|"
    r"Nursery|Sixth[ \t]+Form|PRU|Prep|UTC"
)
_SCHOOL = re.compile(
    r"(?<![\w'])(?P<name>(?:(?:St\.?|Saint|[A-Z][\w'\u2019\-]*)"
    r"(?:[ \t]+(?:of|the|and|&|de|la|le|upon|on|in|under))?[ \t]+){1,5})"
    r"(?P<kinds>(?:(?:C[ \t]+of[ \t]+E|CofE|CE|RC|Catholic|Church[ \t]+of[ \t]+England|Methodist|"
    r"Community|Free|Junior|Infant|Primary|Secondary|High|Studio)[ \t]+)*)"
    rf"(?P<suffix>{_SCHOOL_SUFFIX})(?:[ \t]+(?:School|Academy|College|Centre))?(?![\w'])"
)
_SCHOOL_LOWER = re.compile(
    r"(?<![\w'])(?P<name>(?:st\.?[ \t]+)?[a-z][\w'\u2019\-]*(?:[ \t]+[a-z][\w'\u2019\-]*)?)[ \t]+"
    r"(?P<suffix>primary|academy|high|college|grammar|juniors|infants|secondary)"
    r"(?:[ \t]+school)?(?![\w'])"
)
_SCHOOL_GENERIC = _words("""
    the our my your his her their its this that these a an at to from in of and or for local
    new old special primary secondary high junior infant infants juniors nursery grammar state
    private independent boarding faith catholic church free art fe further education sixth
    form summer sunday night day same other another previous current next last first
    different mainstream alternative village community prep big small good bad feeder partner
    sister trust city county police football rugby cricket boxing dance drama theatre stage
    music sports sport gymnastics swimming tennis basketball netball training driving beauty
    hair coding after before school schools college colleges academy academies very too so
    really quite pretty risk is was be not more most less
    """)

_SCHOOL_PARTNER = re.compile(
    r"[ \t]*(?:,[ \t]*(?:and[ \t]+)?|[ \t]+(?:and|&|or)[ \t]+)"
    r"(?P<name>[A-Za-z][\w'\u2019\-]*(?:[ \t]+[A-Z][\w'\u2019\-]*)?)"
)
_PARTNER_STOPS = re.compile(r"[ \t]*[0-9]")  # "... Academy and Year 9"
_CUE_WORDS_SCHOOL = _words("""
    mum mom dad parents family police staff pupils students kids children boys girls year
    years yr sixth form social care services
    """)


def _emails(text: str) -> Iterator[_Span]:
    for m in _EMAIL.finditer(text):
        labels = text[m.start() : m.end()].rsplit("@", 1)[1].split(".")
        end = m.end()
        # Drop trailing labels that cannot be a top-level domain ("example.com.2").
        while len(labels) > 1 and not (labels[-1].isalpha() and len(labels[-1]) >= 2):
            end -= len(labels[-1]) + 1
            labels.pop()
        if len(labels) > 1:
            yield m.start(), end, Kind.EMAIL


def _links(text: str) -> Iterator[_Span]:
    for m in _SOCIAL_URL.finditer(text):
        yield m.start(1), m.end(1), Kind.HANDLE
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}":
            end -= 1
        yield m.start(), end, None


def _at_handles(text: str) -> Iterator[_Span]:
    for m in _HANDLE.finditer(text):
        name = m.group(1)
        if name.lower() in _NOT_HANDLES or _TIME_HANDLE.fullmatch(name):
            continue
        yield m.start(), m.end(), Kind.HANDLE


def _cued_handles(text: str) -> Iterator[_Span]:
    for m in _CUED_HANDLE.finditer(text):
        name = m.group("handle").rstrip(".")
        folded = _fold(name)
        if folded in _STOP or folded in _NOT_NAMES or not any(c.isalpha() for c in name):
            continue
        marked = any(c in "_." for c in name) or any(c.isdigit() for c in name)
        camel = any(c.isupper() for c in name[1:]) and not name.isupper()
        if marked or camel:
            yield m.start("handle"), m.start("handle") + len(name), Kind.HANDLE
        elif m.group("link") and not (_is_common(folded) or folded in _WORD_NAMES):
            # A plain word is a handle only after "is", ":"...: "her snap is kayz", not
            # "her snapchat bio".
            yield m.start("handle"), m.start("handle") + len(name), Kind.HANDLE


def _underscored_handles(text: str) -> Iterator[_Span]:
    for chunk in _CHUNK.finditer(text):
        if "_" not in chunk.group():
            continue
        for m in _UNDERSCORED.finditer(chunk.group()):
            word = m.group().strip(".")
            start = chunk.start() + m.start() + m.group().index(word)
            before = text[start - 1] if start else " "
            if before in "@_" or word.startswith("_") or word.endswith("_"):
                continue
            if any(c.isalpha() for c in word):
                yield start, start + len(word), Kind.HANDLE


def _is_service_number(national: str) -> bool:
    """Freephone, non-geographic and national lines: services, never a person."""
    return national.startswith(("080", "03")) or national in _SERVICE_NUMBERS


def _phones(text: str) -> Iterator[_Span]:
    for run in _PHONE_RUN.finditer(text):
        yield from _phones_in(text, run.start(), run.end())


def _phones_in(text: str, pos: int, endpos: int) -> Iterator[_Span]:
    for m in _PHONE_UK.finditer(text, pos, endpos):
        prefix, rest = m.group("prefix"), m.group("rest")
        if _is_service_number("0" + "".join(c for c in rest if c.isdigit())):
            continue
        if prefix.lstrip("(") == "0" and not rest[1].isdigit():
            continue  # a first group of two digits ("05 03 2012 10") is a date or a list
        start = m.start()
        if text[start] == "(" and ")" not in text[start : m.end()]:
            start += 1
        yield start, m.end(), Kind.PHONE
    for m in _PHONE_SPACED.finditer(text, pos, endpos):
        if not _is_service_number("".join(c for c in m.group() if c.isdigit())):
            yield m.start(), m.end(), Kind.PHONE
    for m in _PHONE_INTL.finditer(text, pos, endpos):
        yield m.start(), m.end(), Kind.PHONE


def _nhs_numbers(text: str) -> Iterator[_Span]:
    for m in _NHS.finditer(text):
        yield m.start(), m.end(), Kind.NHS_NUMBER


def _ni_numbers(text: str) -> Iterator[_Span]:
    for m in _NI.finditer(text):
        if m.group(2) is None:
            # Without the final letter, only unspaced ("AB123456") or after "NI"/"insurance".
            spaced = " " in m.group()
            if spaced and not _NI_CUE.search(text, max(0, m.start() - 40), m.start()):
                continue
        yield m.start(), m.end(), Kind.NI_NUMBER


def _postcodes(text: str) -> Iterator[_Span]:
    for m in _POSTCODE.finditer(text):
        area, district, inward = m.group("area"), m.group("district"), m.group("inward")
        if area.lower() not in _POSTCODE_AREAS:
            continue
        if inward is not None:
            if not any(c in "cikmovCIKMOV" for c in inward[1:]):
                ordinal = inward[1:].lower() in {"st", "nd", "rd", "th"}
                if not (ordinal and inward.islower()):
                    yield m.start(), m.end(), Kind.POSTCODE
                    continue
            end = m.end("district")
        else:
            end = m.end()
        if _outward_is_postcode(text, m.start(), end, area, district):
            yield m.start(), end, Kind.POSTCODE


def _outward_is_postcode(text: str, start: int, end: int, area: str, district: str) -> bool:
    code = area + district
    if not code.isupper():
        return False
    if _OUTWARD_BEFORE.search(text, max(0, start - 20), start):
        return True
    if _OUTWARD_AFTER.match(text[end : end + 12]):
        return True
    # A two-letter area after "in", "near", "from"...: "lives in BS5"; never "in S3" (a
    # Scottish school year) or a road such as the M1.
    return len(area) == 2 and bool(_OUTWARD_PLACE.search(text, max(0, start - 12), start))


def _dates(text: str) -> Iterator[_Span]:
    if _NUMERIC_DATE_HINT.search(text) is not None:
        for m in _DATE_NUMERIC.finditer(text):
            a, b = int(m.group("a")), int(m.group("b"))
            if 1 <= a <= 31 and 1 <= b <= 31 and (a <= 12 or b <= 12):
                yield m.start(), m.end(), Kind.DATE
        for m in _DATE_ISO.finditer(text):
            if 1 <= int(m.group("m")) <= 12 and 1 <= int(m.group("d")) <= 31:
                yield m.start(), m.end(), Kind.DATE
        for m in _DATE_CUED.finditer(text):
            yield m.start("date"), m.end("date"), Kind.DATE
    low = text.lower()
    if any(month in low for month in _MONTH_STARTS):
        yield from _dates_in_words(text)


def _dates_in_words(text: str) -> Iterator[_Span]:
    for m in _DATE_DAY_MONTH.finditer(text):
        month = m.group("month")
        if (
            month.lower().rstrip(".") in {"may", "mar"}
            and month.islower()
            and not (m.group("ord") or m.group("year"))
        ):
            continue  # "option 3 may help"
        yield m.start(), m.end(), Kind.DATE
    for m in _DATE_MONTH_DAY.finditer(text):
        yield m.start(), m.end(), Kind.DATE


def _street_words_ok(words: str) -> bool:
    for word in words.split():
        folded = _fold(word)
        if (folded in _STOP and folded not in {"the"}) or folded in _STREET_WORD_REJECT:
            return False
        if folded in _CALENDAR_WORDS:
            return False
    return True


def _addresses(text: str) -> Iterator[_Span]:
    if _DIGIT.search(text) is not None:
        yield from _numbered_addresses(text)
    if _HOUSE_HINT.search(text) is not None:
        for m in _ADDRESS_HOUSE.finditer(text):
            if _street_words_ok(m.group("words")):
                yield m.start(), m.end(), Kind.ADDRESS
    if _STREET_HINT.search(text) is not None:
        yield from _cued_streets(text)
    if _ESTATE_HINT.search(text) is not None:
        yield from _estates(text)


def _estates(text: str) -> Iterator[_Span]:
    for m in _ADDRESS_ESTATE.finditer(text):
        words = m.group("words").split()
        if any(_fold(w) in _STOP or _fold(w) in _GENERIC_ESTATE for w in words):
            continue  # "The Estate", "a Council Estate"
        yield m.start("words"), m.end(), Kind.ADDRESS


def _numbered_addresses(text: str) -> Iterator[_Span]:
    windows = [(max(0, m.start() - 60), m.end() + 100) for m in _NUMBER_RUN.finditer(text)]
    seen: set[tuple[int, int]] = set()
    for pos, endpos in _merge(windows):
        for span in _numbered_addresses_in(text, pos, endpos):
            if span[:2] not in seen:
                seen.add(span[:2])
                yield span


def _numbered_addresses_in(text: str, pos: int, endpos: int) -> Iterator[_Span]:
    for m in _ADDRESS_NUMBERED.finditer(text, pos, endpos):
        words, suffix = m.group("words"), m.group("suffix")
        tokens = words.split()
        capitalised = all(w[0].isupper() for w in tokens) and suffix[0].isupper()
        if not tokens and suffix.lower() not in {"broadway", "parade", "circus"}:
            continue
        if not _street_words_ok(words):
            continue
        if not capitalised:
            if suffix.lower() not in _LOWER_STREET or any(_fold(w) in _STOP for w in tokens):
                continue
        elif tokens and tokens[0].lower() == "the":
            continue
        yield m.start(), m.end(), Kind.ADDRESS
    for pattern in (_ADDRESS_THE, _ADDRESS_ONE_WORD):
        for m in pattern.finditer(text, pos, endpos):
            yield m.start(), m.end(), Kind.ADDRESS
    for m in _ADDRESS_FLAT.finditer(text, pos, endpos):
        if _street_words_ok(m.group("words")):
            yield m.start(), m.end(), Kind.ADDRESS
    for m in _ADDRESS_FLAT_HOUSE.finditer(text, pos, endpos):
        yield m.start(), m.end(), Kind.ADDRESS  # "Flat 12, Beacon House"


def _cued_streets(text: str) -> Iterator[_Span]:
    for m in _ADDRESS_CUED.finditer(text):
        words = m.group("words").split()
        if any(_fold(w) in _STOP or _fold(w) in _NOT_NAMES for w in words):
            continue
        if m.group("suffix") in {"St", "Dr"} and len(words) < 2:
            continue
        yield m.start("street"), m.end("street"), Kind.ADDRESS


def _schools(text: str) -> Iterator[_Span]:
    for start, end, kind in _named_schools(text):
        yield start, end, kind
        partner = _school_partner(text, end, lower=text[start:end].islower())
        if partner is not None:
            yield partner[0], partner[1], kind


def _school_partner(text: str, end: int, lower: bool) -> tuple[int, int] | None:
    """A school named beside another without its suffix: "Riverside Academy and Castle View"."""
    m = _SCHOOL_PARTNER.match(text, end)
    if m is None or _PARTNER_STOPS.match(text, m.end()):
        return None
    words = m.group("name").split()
    folded = [_fold(w) for w in words]
    if any(w in _STOP or w in _NOT_NAMES or w in _CUE_WORDS_SCHOOL for w in folded):
        return None
    if lower:
        if not all(w.islower() for w in words) or any(_is_common(w) for w in folded):
            return None
        return m.start("name"), m.start("name") + len(words[0])
    if not all(w[0].isupper() for w in words):
        return None
    if len(words) == 1 and _is_common(folded[0]):
        return None
    return m.start("name"), m.end("name")


def _named_schools(text: str) -> Iterator[_Span]:
    low = text.lower()
    windows: list[tuple[int, int]] = []
    for word in _SCHOOL_WORDS:
        at = low.find(word)
        while at != -1:
            windows.append((max(0, at - 120), at + len(word) + 20))
            at = low.find(word, at + len(word))
    seen: set[tuple[int, int]] = set()
    for pos, endpos in _merge(windows):
        for span in _schools_in(text, pos, endpos):
            if span[:2] not in seen:
                seen.add(span[:2])
                yield span


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping windows of a text, joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _schools_in(text: str, pos: int, endpos: int) -> Iterator[_Span]:
    for m in _SCHOOL.finditer(text, pos, endpos):
        name_start = m.start("name")
        words = m.group("name").split()
        # Drop leading words that cannot begin a school's name ("The", "At", "Two girls").
        while (
            words
            and (_fold(words[0]) in _SCHOOL_GENERIC or _fold(words[0]) in _STOP)
            and not (len(words) > 1 and _fold(words[1]) == "lady")  # "Our Lady of Lourdes"
        ):
            name_start = text.index(words[0], name_start) + len(words[0])
            words = words[1:]
        if not words or all(_fold(w) in _SCHOOL_GENERIC for w in words):
            continue
        if all(w.isupper() and len(w) > 1 for w in words):
            continue  # "DSL Academy": an acronym is not a school name
        start = text.index(words[0], name_start)
        yield start, m.end(), Kind.SCHOOL
    for m in _SCHOOL_LOWER.finditer(text, pos, endpos):
        words = m.group("name").split()
        suffix = m.group("suffix")
        offset = m.start("name")
        while words and _fold(words[0]) in _SCHOOL_GENERIC | _STOP and _fold(words[0]) != "st":
            offset = text.index(words[0], offset) + len(words[0])
            words = words[1:]
        if not words or any(_fold(w) in _STOP or _fold(w) in _NOT_NAMES for w in words):
            continue
        saint = _fold(words[0]) in {"st", "st."}
        if (
            suffix in {"high", "secondary"}
            and not saint
            and any(_is_common(_fold(w)) for w in words)
        ):
            continue
        if any(_fold(w) in _SCHOOL_GENERIC for w in words if _fold(w) not in {"st", "st."}):
            continue
        if not saint and all(_is_common(_fold(w)) for w in words) and suffix == "college":
            continue
        start = text.index(words[0], offset)
        yield start, m.end(), Kind.SCHOOL


_DIGIT = re.compile(r"[0-9]")
_HANDLE_CUES = (
    "snap",
    "insta",
    "ig",
    "tik",
    "twitter",
    "discord",
    "telegram",
    "kik",
    "gamer",
    "user",
    "handle",
    "psn",
    "xbox",
    "account",
)
_MONTH_STARTS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_SCHOOL_WORDS = (
    "primary",
    "secondary",
    "high",
    "grammar",
    "academy",
    "college",
    "school",
    "comprehensive",
    "junior",
    "infant",
    "nursery",
    "sixth form",
    "pru",
    "prep",
    "utc",
)


def _has_digit(low: str) -> bool:
    return _DIGIT.search(low) is not None


_Detector = tuple[Callable[[str], bool], Callable[[str], Iterator[_Span]]]
# In order of priority, each with a quick test on the lower-cased text that it could find
# something: most messages skip most detectors.
_DETECTORS: tuple[_Detector, ...] = (
    (lambda low: "@" in low, _emails),
    (lambda low: "/" in low or "www." in low, _links),
    (lambda low: "@" in low, _at_handles),
    (lambda low: any(cue in low for cue in _HANDLE_CUES), _cued_handles),
    (lambda low: "_" in low, _underscored_handles),
    (_has_digit, _ni_numbers),
    (_has_digit, _phones),
    (_has_digit, _nhs_numbers),
    (_has_digit, _postcodes),
    (_has_digit, _dates),
    (lambda low: any(word in low for word in _SCHOOL_WORDS), _schools),
    (lambda low: True, _addresses),
)


# --------------------------------------------------------------------------------------------
# Names.

_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019\-][^\W\d_]+)*")
_CONTRACTIONS = ("n't", "'re", "'ve", "'ll", "'m", "'d")
_SURNAME_PREFIX = re.compile(r"(?:Mc|Mac|O'|O\u2019|D'|D\u2019|De|La|Le|Di|Al-|El-)[A-Z]")
_AGE_AFTER = re.compile(
    r"[ \t]*(?:,[ \t]*|\([ \t]*|[ \t]+(?:aged?|is|now)[ \t]+|[ \t]+\((?:aged?|dob)\b)"
    r"(?:1[0-9]|[1-9])(?![0-9A-Za-z])"
    r"|[ \t]*\(?[ \t]*(?:dob|d\.o\.b)\b",
    re.IGNORECASE,
)
_SENTENCE_END = ".!?:;\n\u2026"
_SKIP_BACK = " \t\"'\u201c\u201d\u2018\u2019([{*\u2022>-\u2013\u2014"
_QUOTED = re.compile(
    r"(?<![\w])(['\"\u201c\u2018])([A-Z][\w\u2019\-]*(?:[ \t]+[A-Z][\w\u2019\-]*){0,2})"
    r"(['\"\u201d\u2019])(?![\w])"
)
_SPACE = " \t"
_BRIDGE = " \t,("  # between a cue and a name: "his mum, Kerry", "Dad (Steve)"
_CUE_PAIRS = frozenset(
    {"known as", "goes by", "go by", "saved as", "name is", "names are", "real name", "name's"}
)
_CALL_WORDS = _words("call calls called calling")
_OBJECTS = _words("him her himself herself themselves me")
_NEVER = (
    _words("st saint")
    | _STOP
    | _NOT_NAMES
    | _TITLES
    | _FAMILY_TITLES
    | _RELATIONS
    | _NAME_CUES
    | _GREETINGS
)


class _Token:
    """One word of the text and what is known about it."""

    __slots__ = (
        "ambiguous",
        "cap",
        "common",
        "end",
        "gap",
        "given",
        "never",
        "possessive",
        "raw_end",
        "sentence_start",
        "single",
        "start",
        "surname",
        "taken",
        "word",
    )

    def __init__(
        self, text: str, start: int, raw_end: int, gap: str, shouting: bool, taken: bool
    ) -> None:
        info = _word_info(text[start:raw_end])
        self.word, self.possessive = info.word, info.possessive
        self.start = start
        self.end = start + info.length
        self.raw_end = raw_end
        self.gap = gap  # the text between the previous word and this one
        self.cap = info.cap and not (shouting and info.upper)
        self.single = len(info.word) == 1
        self.never = info.never or info.camel or (info.upper and not shouting)
        self.given = info.given
        self.ambiguous = info.ambiguous
        self.surname = info.surname
        self.common = info.common
        stripped = gap.rstrip(_SKIP_BACK)
        self.sentence_start = stripped[-1] in _SENTENCE_END if stripped else start == len(gap)
        self.taken = taken


@dataclass(frozen=True, slots=True)
class _WordInfo:
    word: str  # folded, without a possessive 's
    length: int  # of the word as written, without a possessive 's
    cap: bool
    upper: bool
    camel: bool
    possessive: bool
    never: bool  # a stop word, a known place or term, a title, a contraction...
    given: bool
    ambiguous: bool
    surname: bool
    common: bool


@lru_cache(maxsize=16384)
def _word_info(raw: str) -> _WordInfo:
    folded = _fold(raw)
    possessive = len(folded) > 2 and folded.endswith("'s")
    word = folded[:-2] if possessive else folded
    base = raw[:-2] if possessive else raw
    upper = len(base) > 1 and base.isupper()
    given = _is_given(word)
    ambiguous = word in _WORD_NAMES
    return _WordInfo(
        word=word,
        length=len(base),
        cap=base[0].isupper(),
        upper=upper,
        camel=not upper and not base[1:].islower() and _is_camel(base),
        possessive=possessive,
        never=word in _NEVER or (not possessive and folded.endswith(_CONTRACTIONS)),
        given=given,
        ambiguous=ambiguous,
        surname=word in _SURNAMES,
        common=not (given or ambiguous) and len(word) > 1 and _is_common(word),
    )


def _is_camel(word: str) -> bool:
    """ "iPhone", "TikTok", "CPOMs": a brand or acronym; not "McGrath", "O'Neill", "Kerry-Ann"."""
    return (
        len(word) > 1
        and any(c.isupper() for c in word[1:])
        and "-" not in word
        and _SURNAME_PREFIX.match(word) is None
    )


def _tokens(text: str, taken: bytearray) -> list[_Token]:
    tokens: list[_Token] = []
    # In a message typed in capitals, a word in capitals is not an acronym.
    upper, lower = sum(map(str.isupper, text)), sum(map(str.islower, text))
    shouting = upper + lower >= 12 and upper > 0.7 * (upper + lower)
    previous_end = 0
    append = tokens.append
    for m in _TOKEN.finditer(text):
        start, raw_end = m.span()
        # Findings end at word boundaries: a word is taken when its first or last letter is.
        is_taken = bool(taken[start] or taken[raw_end - 1])
        append(_Token(text, start, raw_end, text[previous_end:start], shouting, is_taken))
        previous_end = raw_end
    return tokens


class _Names:
    """The name pass over the tokens of one text."""

    def __init__(self, text: str, taken: bytearray) -> None:
        self.text = text
        self.taken = taken
        self.tokens = _tokens(text, taken)
        self.flags = [False] * len(self.tokens)

    def spans(self) -> list[tuple[int, int]]:
        tokens, flags = self.tokens, self.flags
        for i, token in enumerate(tokens):
            if not token.taken and not token.never:
                flags[i] = self.is_name(i)
        if "'" in self.text or '"' in self.text or "\u201c" in self.text:
            starts = [t.start for t in tokens]
            for m in _QUOTED.finditer(self.text):
                self.mark_quoted(bisect_left(starts, m.start(2)), m.end(2))
        self.extend()
        self.drop_org_names()
        self.drop_public_figures()
        spans: list[tuple[int, int]] = []
        for token, flag in zip(tokens, flags, strict=True):
            if not flag:
                continue
            if spans and not self.text[spans[-1][1] : token.start].strip(_SPACE):
                spans[-1] = (spans[-1][0], token.end)
            else:
                spans.append((token.start, token.end))
        return spans

    def prev(self, i: int, allow: str = _SPACE) -> _Token | None:
        """Token i-1 when only characters in `allow` separate it from token i."""
        if i == 0 or not self.joined(i, allow):
            return None
        return None if self.tokens[i - 1].taken else self.tokens[i - 1]

    def next(self, i: int, allow: str = _SPACE) -> _Token | None:
        """Token i+1 when only characters in `allow` separate it from token i."""
        if i + 1 >= len(self.tokens) or not self.joined(i + 1, allow):
            return None
        return None if self.tokens[i + 1].taken else self.tokens[i + 1]

    def joined(self, i: int, allow: str) -> bool:
        """Only a few characters in `allow` stand between token i-1 and token i."""
        gap = self.tokens[i].gap
        return bool(gap) and len(gap) <= 4 and not gap.strip(allow)

    def is_name(self, i: int) -> bool:
        """Whether token i is (part of) a personal name, before extension to surnames.

        In order: initials and "Uncle T"; ordinary lower-case words (never); after a title;
        after "called", "known as"...; after a family title; listed given names; given names
        that are also words (need a cue); capitalised unknown words (names in mid-sentence
        unless a place or organisation; at a sentence's start only with a cue); capitalised
        common words and unknown lower-case words (only with a cue).
        """
        token = self.tokens[i]
        if token.single:
            return token.cap and (self.is_initial_nickname(i) or self.after_title(i))
        known = token.given or token.ambiguous or token.surname
        if token.common and not token.cap and not known:
            return False  # the common case: an ordinary lower-case word
        if self.after_title(i):
            return token.cap or known or not token.common
        if self.after_cue(i):
            if not token.cap:
                return known or not (token.common or _misspelt_common(token.word))
            follower = self.next(i)
            # "called Junior", "call him Tank", "called Big J"; not "called Early Help".
            return known or not (
                follower is not None and follower.cap and follower.common and token.common
            )
        prev = self.prev(i, _BRIDGE)
        if (
            prev is not None
            and prev.word in _FAMILY_TITLES
            and not prev.possessive
            and (token.cap or token.given or not token.common)
        ):
            return True
        if token.given:
            if prev is not None and prev.word in {"st", "saint"}:
                return False  # "St Giles Trust", "St Anne's"
            return not self.opens_org_name(i)
        nxt = self.next(i)
        age = _AGE_AFTER.match(self.text, token.raw_end) is not None
        owner = token.possessive and nxt is not None and nxt.word in _POSSESSIONS
        cued = prev is not None and not prev.possessive and prev.word in _RELATIONS | _GREETINGS
        if token.ambiguous:
            if not token.cap:
                # "my student jade is missing"; not "my son will be late".
                return (cued and nxt is not None and nxt.word in _VERBS_AFTER) or (
                    self.before_lower_surname(i)
                )
            return self.word_name_is_name(i, age, owner)
        strong = nxt is not None and nxt.word in _STRONG_VERBS_AFTER
        if token.cap and not token.common:
            if token.sentence_start:
                return strong or age or owner or self.ing_after(i)
            return not self.looks_like_place_or_org(i)
        if token.cap:  # a capitalised common word: "Hardy", "Price"
            return age or (cued and token.surname)
        if len(token.word) < 3:
            return False
        if token.common and nxt is not None and nxt.word in _COMPOUND_HEADS:
            return False  # "sw, foster carer", "officer, young person": a word, not a surname
        if token.common and prev is not None and prev.word in _ARTICLES:
            return False  # "on the ward keeps ringing": a noun, not a surname
        # An unknown word in lower case: a name only with a cue around it, and not a slip in a
        # long word ("child exploitaiton", "her mum definately").
        return (cued or strong or age or owner) and not _misspelt_common(token.word)

    def before_lower_surname(self, i: int) -> bool:
        """A lower-case name that is also a word, before a listed surname: "jade patel", or
        before one that is also a word and then a verb: "jade smith is missing" (not "faith
        young people", "will power")."""
        surname = self.next(i)
        if surname is None or surname.cap or not surname.surname:
            return False
        if not _is_common(surname.word):
            return True
        verb = self.next(i + 1)
        return (
            surname.word not in _PLACE_SURNAMES and verb is not None and verb.word in _VERBS_AFTER
        )

    def is_initial_nickname(self, i: int) -> bool:
        """ "Uncle T": one capital letter after a family title."""
        prev = self.prev(i, _SPACE + ".")
        return prev is not None and prev.cap and prev.word in _FAMILY_TITLES

    def after_title(self, i: int) -> bool:
        """Token i follows a title (Mr, Mrs, Dr, PC...), perhaps after initials."""
        j = i
        while True:
            prev = self.prev(j, _SPACE + ".")
            if prev is None:
                return False
            if prev.word in _TITLES:
                # "MS Teams" is not a title; "PC Jones" is.
                return not (len(prev.word) > 1 and self.is_upper(j - 1)) or (
                    prev.word in _POLICE_RANKS
                )
            if prev.single and prev.cap:
                j -= 1  # an initial: "Mr J Smith"
                continue
            return False

    def is_upper(self, i: int) -> bool:
        token = self.tokens[i]
        return self.text[token.start : token.end].isupper()

    def after_cue(self, i: int) -> bool:
        """Token i follows "called", "named", "known as", "name is", "calls him"..."""
        prev = self.prev(i, _SPACE + "'\"\u201c\u2018:")
        if prev is None:
            return False
        if prev.word in _NAME_CUES:
            return True
        before = self.prev(i - 1)
        if before is None:
            return False
        if f"{before.word} {prev.word}" in _CUE_PAIRS:
            return True
        if prev.word in _OBJECTS:
            return before.word in _CALL_WORDS  # "they call him Smokey"
        return prev.word in {"name", "surname"} and ":" in self.tokens[i].gap

    def ing_after(self, i: int) -> bool:
        """ "Oluwaseun is refusing", "Nkechi has been": a sentence about a person."""
        nxt = self.next(i)
        if nxt is None or nxt.word not in {"is", "was", "has", "had"}:
            return False
        after = self.next(i + 1)
        return after is not None and (after.word.endswith("ing") or after.word == "been")

    def opens_org_name(self, i: int) -> bool:
        """A given name starting a place's or organisation's name: "Victoria Park"."""
        nxt = self.next(i)
        return nxt is not None and nxt.cap and nxt.word in _ORG_WORDS

    def word_name_is_name(self, i: int, age: bool, owner: bool) -> bool:
        """Whether a capitalised given name that is also a word (Will, May, Grace) is a name."""
        token = self.tokens[i]
        prev = self.prev(i, _BRIDGE)
        nxt = self.next(i)
        verb = nxt is not None and nxt.word in _VERBS_AFTER
        if owner:
            return True  # "Joy's lodger", "Destiny's name"
        if (
            nxt is not None
            and nxt.cap
            and (nxt.word in _ORG_WORDS or nxt.common)
            and not (nxt.surname or nxt.given)
        ):
            return False  # "Grace Academy", "Online Safety Bill", "Summer Term"
        if nxt is not None and nxt.word in _PRONOUNS:
            return False  # "Will the police...", "May I...", "Hope this helps"
        if prev is not None and prev.word in _TIME_WORDS:
            return False  # "in May", "over the Summer"
        if token.word in _MONTH_NAMES:
            cue = prev is not None and prev.word in _RELATIONS | _GREETINGS
            return cue or verb or age or owner
        if (
            nxt is not None
            and nxt.cap
            and (nxt.surname or nxt.given)
            and nxt.word not in _ORG_WORDS
        ):
            return True  # "Jade Smith is missing", "Ruby Patel said": a first name and surname
        if token.sentence_start:
            return verb or age or owner
        return not self.title_phrase_before(i)

    def looks_like_place_or_org(self, i: int) -> bool:
        """A capitalised unknown word that is a place, a brand or part of a title."""
        if self.beside_address(i):
            return True  # "4 Sycamore Close, Didsbury M20 6RT"
        prev = self.prev(i)
        if prev is not None:
            if prev.word in _PLACE_WORDS or prev.word in _DETERMINERS:
                return True  # "in Rotherham", "a Rolex", "the Lundy model"
            if self.title_phrase_before(i):
                return True  # "St Giles", "Little Marston"
            if prev.word in {"to", "from"}:
                before = self.prev(i - 1)
                if before is not None and before.word in _MOTION_WORDS:
                    return True
        nxt = self.next(i)
        return nxt is not None and nxt.cap and nxt.word in _ORG_WORDS

    def title_phrase_before(self, i: int) -> bool:
        """Token i continues a capitalised phrase: "Little Marston", "AirPods Max"."""
        prev = self.prev(i)
        return (
            prev is not None
            and prev.cap
            and not prev.single
            and not prev.sentence_start
            and (prev.common or prev.never)
            and prev.word not in _CUE_WORDS
        )

    def beside_address(self, i: int) -> bool:
        """Token i is a town: just after an address, or just before a postcode."""
        token, taken = self.tokens[i], self.taken
        j = token.start - 1
        while j >= 0 and self.text[j] in " \t,":
            j -= 1
        if j >= 0 and taken[j] == _CODES[Kind.ADDRESS] and "," in self.text[j : token.start]:
            return True
        k = token.raw_end
        while k < len(self.text) and self.text[k] in " \t,":
            k += 1
        return k < len(self.text) and taken[k] == _CODES[Kind.POSTCODE]

    def mark_quoted(self, first: int, end: int) -> None:
        """A quoted capitalised nickname: 'Big Man', "Dex"."""
        tokens = self.tokens
        inside: list[int] = []
        j = first
        while j < len(tokens) and tokens[j].end <= end and len(inside) < 3:
            inside.append(j)
            j += 1
        if not inside or any(tokens[j].taken or tokens[j].never for j in inside):
            return
        if all(tokens[j].common for j in inside):
            return  # 'Operation Encompass', 'Big Man': words, not a nickname we can tell
        for j in inside:
            self.flags[j] = True

    def drop_org_names(self) -> None:
        """Unflag a run of names that ends in "Foundation", "Trust", "Park"...: not a person."""
        tokens, flags = self.tokens, self.flags
        i = 0
        while i < len(tokens):
            if not flags[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(tokens) and flags[j + 1] and self.next(j) is not None:
                j += 1
            after = self.next(j)
            last = tokens[j]
            org_end = last.cap and last.word in _ORG_WORDS and j > i
            org_next = after is not None and after.cap and after.word in _ORG_WORDS
            if (org_end or org_next) and not self.after_title(i):
                for k in range(i, j + 1):
                    flags[k] = False
            i = j + 1

    def drop_public_figures(self) -> None:
        """Unflag a person the guidance names ("Casey", "Alexis Jay") beside a document word
        ("the casey audit", "jay report") or after a title of office ("baroness casey")."""
        tokens, flags = self.tokens, self.flags
        for i, token in enumerate(tokens):
            given = _PUBLIC_FIGURES.get(token.word)
            if not flags[i] or given is None:
                continue
            before = self.prev(i)
            first = i - 1 if before is not None and before.word == given else i
            office = self.prev(first)
            if office is not None and flags[first - 1]:
                continue  # part of a longer name ("Sarah Casey report"): someone else
            after = self.next(i)
            if (after is not None and after.word in _DOCUMENT_WORDS) or (
                office is not None and office.word in _OFFICES
            ):
                for k in range(first, i + 1):
                    flags[k] = False

    def extend(self) -> None:
        """Grow each name over the surname or second name that follows it."""
        tokens, flags = self.tokens, self.flags
        for i in range(len(tokens) - 1):
            if not flags[i] or tokens[i].possessive or flags[i + 1]:
                continue
            nxt = self.next(i)
            if nxt is None or nxt.taken:
                continue
            if nxt.word in _NAME_PARTICLES:
                after = self.next(i + 1)
                if after is not None and after.cap and not after.never:
                    flags[i + 1] = flags[i + 2] = True
                continue
            if nxt.never and not nxt.single:
                continue
            if nxt.cap:
                if not nxt.sentence_start and nxt.word not in _VERBS_AFTER:
                    flags[i + 1] = True
            elif nxt.single:
                if nxt.word not in {"a", "i"} and not tokens[i].cap:
                    flags[i + 1] = True  # "danny b"
            elif not nxt.common or nxt.surname:
                flags[i + 1] = True
        # "ruby patel": a first name that is also a word, just before a surname found.
        for i in range(len(tokens) - 1, 0, -1):
            before = tokens[i - 1]
            if (
                flags[i]
                and not flags[i - 1]
                and (before.given or before.ambiguous)
                and not (before.taken or before.common or before.possessive)
                and self.next(i - 1) is tokens[i]
            ):
                flags[i - 1] = True
        # "tobi and femi", "Kofi, Marcus": an unknown lower-case word joined to a name.
        for i in range(len(tokens) - 2):
            if not flags[i]:
                continue
            link = self.next(i)
            if link is not None and link.word in {"and", "&"}:
                j = i + 2
                if self.next(i + 1) is None:
                    continue
            elif tokens[i + 1].gap.strip(_SPACE) == ",":
                j = i + 1
            else:
                continue
            other = tokens[j]
            if flags[j] or other.taken or other.never or other.single or other.common:
                continue
            if other.ambiguous and not other.cap:
                continue
            flags[j] = True


_PRONOUNS = _words("i you we he she they it the this that there someone anyone")
_DETERMINERS = _words("a an the this that these those each every any some no")
_CUE_WORDS = _TITLES | _FAMILY_TITLES | _RELATIONS | _GREETINGS | _NAME_CUES


def _find_names(text: str, taken: bytearray) -> list[tuple[int, int]]:
    return _Names(text, taken).spans()
