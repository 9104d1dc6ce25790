"""The procedure catalogue (手続の検索) and the life-event deadline planner.

``CATALOGUE`` lists administrative procedures a resident meets around life events, modelled on
the procedure search of マイナポータル. Each entry is a plain, JSON-serialisable dict (the portal
sandbox serves them as they are) with these keys:

``procedure_id``     stable id (ASCII)
``name``             手続名
``category``         one of :data:`CATEGORIES`
``life_event``       the main life event (one of :data:`LIFE_EVENTS`)
``audience``         one of :data:`AUDIENCES`
``deadline_rule``    the deadline in words, as the law or the office says it
``deadline_days``    int: the deadline is that many days after the event (see ``first_day_counts``);
                     None when the deadline is not a number of days
``deadline_months``  int | None: the deadline is that many months after the event (limitation
                     periods such as 2 years for 高額療養費 = 24)
``deadline_fixed``   ``{"month": M, "day": D, "years_after": N}`` | None: a calendar date, in the
                     year of the event plus N (確定申告: 3月15日 of the following year)
``first_day_counts`` True when the day of the event counts as day 1 (戸籍法 第43条: 出生届,
                     死亡届; or periods that start at midnight such as 資格取得日); else the
                     period starts the next day (民法 第140条)
``online``           can be applied for online (マイナポータル / e-Tax / ぴったりサービス)
``signature_required`` the online application needs the card's signing certificate (署名用電子証明書)
``attachments``      list of documents to bring or attach
``legal_basis``      the law and article
``who_can_apply``    who may file it
``description``      one or two sentences
``events``           the planner events (keys of :data:`EVENTS`) the procedure belongs to
``keywords``         readings (hiragana) and everyday words for the terms it contains
                     (from :data:`TERMS`), which the search also matches

Deadlines computed here are the legal dates; when one falls on a day the office is closed
(土日・祝日・年末年始) most laws move it to the next business day — the planner does not shift
dates (whether a procedure's deadline moves, and whether a mailed form must arrive by it, varies),
and says so in :data:`CLOSED_DAY_NOTE`; :func:`closed_day_hint` names the closed day and the next
open one for a deadline that falls on one. Municipal rules (保育所の申込締切 etc.) vary: those
entries have no computed deadline.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from .pins import PINS

if TYPE_CHECKING:
    import pandas as pd

Procedure = dict[str, Any]

#: planner events: key -> Japanese label
EVENTS: dict[str, str] = {
    "pregnancy": "妊娠",
    "birth": "出産",
    "moving": "引越し",
    "job_start": "就職",
    "job_leave": "退職",
    "marriage": "結婚",
    "divorce": "離婚",
    "turning_65": "65歳になる",
    "care": "家族の介護が必要になった",
    "medical": "入院・高額な医療費",
    "death": "家族が亡くなった",
    "cert_expiry": "電子証明書の有効期限",
    "tax_year_end": "年の終わり（税の申告）",
    "company_setup": "法人を設立した",
}

#: what each planner event date means (shown next to the date picker)
EVENT_DATE_LABELS: dict[str, str] = {
    "pregnancy": "妊娠の診断日",
    "birth": "出生日",
    "moving": "引越し（転入）の日",
    "job_start": "入社日",
    "job_leave": "退職日",
    "marriage": "婚姻の日",
    "divorce": "離婚の日",
    "turning_65": "65歳の誕生日",
    "care": "介護が必要になった日",
    "medical": "診療を受けた月の末日",
    "death": "亡くなった日（知った日）",
    "cert_expiry": "電子証明書の有効期限日",
    "tax_year_end": "対象年の12月31日",
    "company_setup": "会社の設立日（設立登記の申請日）",
}

LIFE_EVENTS: tuple[str, ...] = (
    "妊娠・出産",
    "子育て",
    "引越し",
    "就職・退職",
    "結婚・離婚",
    "高齢者",
    "介護",
    "健康・医療",
    "おくやみ",
    "マイナンバーカード",
    "税・申告",
    "法人設立",
)

CATEGORIES: tuple[str, ...] = (
    "戸籍・住民票",
    "子育て",
    "健康保険",
    "年金",
    "介護",
    "税",
    "マイナンバーカード",
    "雇用",
    "くらし",
    "法人",
)

AUDIENCES: tuple[str, ...] = (
    "個人",
    "子育て世帯",
    "高齢者・家族",
    "被用者",
    "自営業・個人事業主",
    "法人",
)

CLOSED_DAY_NOTE = (
    "期限日が土日・祝日・年末年始に当たるときは、多くの手続で翌開庁日が期限になります。"
    "市区町村により扱いが異なることがあります。"
)


def _p(
    procedure_id: str,
    name: str,
    category: str,
    life_event: str,
    audience: str,
    deadline_rule: str,
    *,
    days: int | None = None,
    months: int | None = None,
    fixed: tuple[int, int, int] | None = None,
    first_day_counts: bool = False,
    online: bool,
    signature: bool,
    attachments: Sequence[str],
    legal_basis: str,
    who: str,
    description: str,
    events: Sequence[str],
) -> Procedure:
    return {
        "procedure_id": procedure_id,
        "name": name,
        "category": category,
        "life_event": life_event,
        "audience": audience,
        "deadline_rule": deadline_rule,
        "deadline_days": days,
        "deadline_months": months,
        "deadline_fixed": (
            {"month": fixed[0], "day": fixed[1], "years_after": fixed[2]} if fixed else None
        ),
        "first_day_counts": first_day_counts,
        "online": online,
        "signature_required": signature,
        "attachments": list(attachments),
        "legal_basis": legal_basis,
        "who_can_apply": who,
        "description": description,
        "events": list(events),
    }


# fmt: off
CATALOGUE: list[Procedure] = [
    # ------------------------------------------------------------------ 妊娠・出産
    _p("ninshin_todoke", "妊娠の届出（母子健康手帳の交付）", "子育て", "妊娠・出産", "子育て世帯",
       "妊娠の診断を受けたら速やかに", online=True, signature=False,
       attachments=["本人確認書類", "マイナンバーが分かるもの"],
       legal_basis="母子保健法 第15条・第16条", who="妊娠した本人（代理人も可）",
       description="妊娠を市区町村に届け出て、母子健康手帳と妊婦健康診査の受診票を受け取ります。",
       events=["pregnancy"]),
    _p("ninpu_shien_kyufu", "妊婦のための支援給付（妊娠時）の申請", "子育て", "妊娠・出産", "子育て世帯",
       "妊娠の届出・面談の後、市区町村の案内に従って", online=True, signature=False,
       attachments=["本人名義の口座情報"],
       legal_basis="子ども・子育て支援法 第10条の2", who="妊婦本人",
       description="妊娠の届出後の面談を受けた妊婦に、妊娠1回につき5万円が支給されます。",
       events=["pregnancy"]),
    _p("shussei_todoke", "出生届", "戸籍・住民票", "妊娠・出産", "子育て世帯",
       "生まれた日を含めて14日以内（国外で生まれたときは3か月以内）", days=14,
       first_day_counts=True, online=False, signature=False,
       attachments=["出生証明書（出生届の右側）", "母子健康手帳", "届出人の本人確認書類"],
       legal_basis="戸籍法 第49条・第52条（期間の計算は第43条）",
       who="父または母（届け出られないときは同居者、出産に立ち会った医師・助産師など）",
       description="子の出生を本籍地・出生地・所在地のいずれかの市区町村に届け出ます。戸籍と住民票に記載されます。",
       events=["birth"]),
    _p("jidou_teate_nintei", "児童手当 認定請求", "子育て", "子育て", "子育て世帯",
       "出生日（転入は転出予定日）の翌日から15日以内に請求すると、その翌月分から支給（15日特例）",
       days=15, online=True, signature=True,
       attachments=["請求者名義の口座情報", "（必要な場合）別居監護申立書"],
       legal_basis="児童手当法 第7条・第8条",
       who="児童を養育している父母等のうち生計を維持する程度の高い方（公務員は勤務先）",
       description="子が生まれたとき・転入したときに請求します。申請月の翌月分から支給されるため、遅れると受け取れない月が出ます。",
       events=["birth", "moving"]),
    _p("jidou_teate_gakukaitei", "児童手当 額改定認定請求（第2子以降の出生）", "子育て", "子育て", "子育て世帯",
       "出生日の翌日から15日以内", days=15, online=True, signature=True,
       attachments=[],
       legal_basis="児童手当法 第9条", who="すでに児童手当を受けている受給者",
       description="すでに児童手当を受けている人に子が生まれたとき、手当額を増やすための請求です。",
       events=["birth"]),
    _p("kodomo_iryohi_josei", "子ども医療費助成（医療証）の申請", "子育て", "子育て", "子育て世帯",
       "出生・転入後すみやかに（多くの市区町村は1か月以内の申請で出生日・転入日から助成）",
       online=True, signature=False,
       attachments=["子の健康保険の資格情報（資格確認書・マイナポータルの画面）"],
       legal_basis="各市区町村の条例", who="子を養育している保護者",
       description="子どもの医療費の自己負担を助成する医療証を受け取ります。対象年齢や所得制限は市区町村ごとに異なります。",
       events=["birth", "moving"]),
    _p("kokuho_kanyu_shussei", "国民健康保険 加入届（出生）", "健康保険", "妊娠・出産", "子育て世帯",
       "出生日から14日以内", days=14, online=True, signature=True,
       attachments=["世帯主の本人確認書類"],
       legal_basis="国民健康保険法 第9条第1項、同法施行規則 第3条",
       who="世帯主（国民健康保険の世帯の場合）",
       description="国民健康保険に加入している世帯に子が生まれたとき、子を加入させます。",
       events=["birth"]),
    _p("hifuyousha_todoke", "健康保険 被扶養者（異動）届", "健康保険", "妊娠・出産", "被用者",
       "事実があった日から5日以内（勤務先を通じて提出）", days=5, online=False, signature=False,
       attachments=["続柄・収入を確認できる書類（勤務先の指示による）"],
       legal_basis="健康保険法施行規則 第38条",
       who="被保険者（事業主が日本年金機構・健康保険組合に提出）",
       description="出生・結婚などで家族を健康保険の被扶養者にするとき、勤務先に届け出ます。",
       events=["birth", "marriage"]),
    _p("shussan_ikuji_ichijikin", "出産育児一時金 支給申請（直接支払制度を使わない場合）", "健康保険", "妊娠・出産", "子育て世帯",
       "出産日の翌日から2年以内（時効）", months=24, online=True, signature=True,
       attachments=["医療機関等の領収・明細書", "直接支払制度を利用していない旨の合意文書"],
       legal_basis="健康保険法 第101条・第193条、国民健康保険法 第58条・第110条",
       who="被保険者（出産した本人または被扶養者が出産した被保険者）",
       description="出産1児につき50万円（産科医療補償制度の対象外は48.8万円）。直接支払制度を使うと申請は差額分のみです。",
       events=["birth"]),
    _p("shussan_teatekin", "出産手当金 支給申請", "健康保険", "妊娠・出産", "被用者",
       "休んだ日ごとにその翌日から2年以内（時効）", months=24, online=False, signature=False,
       attachments=["医師・助産師の証明", "事業主の証明（勤務状況・賃金）"],
       legal_basis="健康保険法 第102条・第193条", who="健康保険の被保険者本人",
       description="出産のために会社を休み給与が出ない期間、標準報酬日額の3分の2が支給されます。",
       events=["birth"]),
    _p("hoikusho_moushikomi", "保育所等 入所申込（教育・保育給付認定）", "子育て", "子育て", "子育て世帯",
       "市区町村が定める毎月の締切まで（4月入所は前年秋の一斉申込）", online=True, signature=True,
       attachments=["就労証明書", "（該当時）診断書・在学証明書など保育の必要性を示す書類"],
       legal_basis="子ども・子育て支援法 第20条、児童福祉法 第24条",
       who="子の保護者",
       description="保育の必要性の認定（2号・3号）を受け、保育所・認定こども園などの利用を申し込みます。",
       events=["birth", "job_start", "moving"]),
    _p("shisetsu_riyou_kyufu", "子育てのための施設等利用給付認定", "子育て", "子育て", "子育て世帯",
       "利用開始前に（認定日より前の分は給付されません）", online=True, signature=True,
       attachments=["就労証明書など保育の必要性を示す書類（新2号・新3号）"],
       legal_basis="子ども・子育て支援法 第30条の4・第30条の5", who="子の保護者",
       description="幼稚園の預かり保育や認可外保育施設などの利用料の無償化を受けるための認定です。",
       events=["moving"]),
    _p("jidou_fuyou_teate", "児童扶養手当 認定請求", "子育て", "結婚・離婚", "子育て世帯",
       "期限の定めなし（請求した月の翌月分から支給）", online=False, signature=False,
       attachments=["請求者と子の戸籍謄本", "請求者名義の口座情報", "年金手帳等（公的年金の受給状況）"],
       legal_basis="児童扶養手当法 第6条・第7条",
       who="ひとり親家庭等で児童を監護する父・母または養育者",
       description="離婚などでひとり親になった家庭に支給されます。所得制限があり、さかのぼっての支給はありません。",
       events=["divorce"]),
    _p("hitorioya_iryohi", "ひとり親家庭等医療費助成 申請", "子育て", "結婚・離婚", "子育て世帯",
       "要件に当てはまったらすみやかに", online=False, signature=False,
       attachments=["戸籍謄本", "健康保険の資格情報"],
       legal_basis="各都道府県・市区町村の条例", who="ひとり親家庭の親",
       description="ひとり親家庭の親と子の医療費の自己負担を助成します。",
       events=["divorce"]),
    # ------------------------------------------------------------------ 引越し
    _p("tenshutsu_todoke", "転出届", "戸籍・住民票", "引越し", "個人",
       "引越しの前（おおむね14日前から）、遅くとも転出した日から14日以内", days=14,
       online=True, signature=True,
       attachments=["本人確認書類", "（オンラインの場合）マイナンバーカード"],
       legal_basis="住民基本台帳法 第24条、同法第24条の2（特例転出）",
       who="本人または世帯主（代理人は委任状）",
       description="ほかの市区町村へ引っ越すときに届け出ます。マイナポータルの引越しワンストップサービスで、マイナンバーカードによりオンラインで届け出られます。",
       events=["moving"]),
    _p("tennyu_todoke", "転入届", "戸籍・住民票", "引越し", "個人",
       "住み始めた日から14日以内", days=14, online=False, signature=False,
       attachments=["転出証明書（マイナンバーカードによる特例転出の場合は不要）", "本人確認書類", "世帯全員のマイナンバーカード"],
       legal_basis="住民基本台帳法 第22条", who="本人または世帯主（代理人は委任状）",
       description="新しい市区町村に住み始めたら届け出ます。来庁予定日はマイナポータルから連絡できます。",
       events=["moving"]),
    _p("tenkyo_todoke", "転居届（同じ市区町村内の引越し）", "戸籍・住民票", "引越し", "個人",
       "住所を変更した日から14日以内", days=14, online=False, signature=False,
       attachments=["本人確認書類", "世帯全員のマイナンバーカード"],
       legal_basis="住民基本台帳法 第23条", who="本人または世帯主",
       description="同じ市区町村の中で引っ越したときに届け出ます。",
       events=["moving"]),
    _p("myna_card_kisai_henkou", "マイナンバーカード 記載事項変更（住所・氏名）", "マイナンバーカード", "マイナンバーカード", "個人",
       "変更があった日から14日以内", days=14, online=False, signature=False,
       attachments=["マイナンバーカード", "暗証番号（署名用電子証明書は住所・氏名変更で失効し再発行）"],
       legal_basis="行政手続における特定の個人を識別するための番号の利用等に関する法律 第17条第4項",
       who="カードの交付を受けている本人",
       description="住所や氏名が変わったら、カードの追記欄に新しい情報を記載してもらいます。署名用電子証明書は新たに発行されます。",
       events=["moving", "marriage"]),
    _p("kokuho_tennyu", "国民健康保険 加入届（転入）", "健康保険", "引越し", "個人",
       "転入した日から14日以内", days=14, online=False, signature=False,
       attachments=["本人確認書類"],
       legal_basis="国民健康保険法 第9条第1項、同法施行規則 第3条", who="世帯主",
       description="国民健康保険に入っていた人が別の市区町村へ引っ越したら、転入先で加入します（転出先の資格は転出日で終わります）。",
       events=["moving"]),
    _p("kaigo_tennyu", "介護保険 資格取得届（65歳以上の転入）", "介護", "引越し", "高齢者・家族",
       "転入した日から14日以内（転入届と同時に）", days=14, online=False, signature=False,
       attachments=["転出元の受給資格証明書（要介護認定を受けている場合）"],
       legal_basis="介護保険法 第12条、同法施行規則 第22条", who="本人または世帯主",
       description="65歳以上の人が転入したときの介護保険の届出です。要介護認定を受けている人は受給資格証明書を14日以内に出すと認定が引き継がれます。",
       events=["moving"]),
    _p("kouki_koureisha_tennyu", "後期高齢者医療 資格取得（転入）", "健康保険", "引越し", "高齢者・家族",
       "転入した日から14日以内", days=14, online=False, signature=False,
       attachments=["負担区分等証明書（転出元で交付）"],
       legal_basis="高齢者の医療の確保に関する法律 第54条、同法施行規則 第10条", who="本人または世帯主",
       description="75歳以上（一定の障害がある人は65歳以上）の人が都道府県をまたいで引っ越したときの届出です。",
       events=["moving"]),
    _p("inu_shozaichi_henkou", "犬の登録事項変更（所在地の変更）", "くらし", "引越し", "個人",
       "変更があった日から30日以内", days=30, online=True, signature=False,
       attachments=["犬の鑑札（転出元のもの）", "狂犬病予防注射済票"],
       legal_basis="狂犬病予防法 第4条第4項、同法施行規則 第6条", who="犬の所有者",
       description="犬を飼っている人が引っ越したとき、新しい市区町村に届け出ます。",
       events=["moving"]),
    _p("jidousha_henkou_touroku", "自動車の変更登録（住所変更）", "くらし", "引越し", "個人",
       "変更があった日から15日以内", days=15, online=True, signature=True,
       attachments=["住民票の写し", "車検証", "（管轄が変わる場合）ナンバープレート"],
       legal_basis="道路運送車両法 第12条", who="自動車の所有者",
       description="自動車の所有者の住所が変わったときの登録です。自動車保有関係手続のワンストップサービス（OSS）でオンライン申請できます。",
       events=["moving"]),
    _p("unten_menkyo_henkou", "運転免許証 記載事項変更", "くらし", "引越し", "個人",
       "すみやかに", online=False, signature=False,
       attachments=["運転免許証", "新しい住所の確認書類（マイナンバーカード・住民票の写し）"],
       legal_basis="道路交通法 第94条第1項", who="免許を受けている本人",
       description="住所・氏名などが変わったとき、警察署・運転免許センターで届け出ます（マイナ免許証の場合は住所変更の連携ができます）。",
       events=["moving", "marriage"]),
    # ------------------------------------------------------------------ 就職・退職
    _p("kokuho_kanyu_taishoku", "国民健康保険 加入届（退職）", "健康保険", "就職・退職", "個人",
       "職場の健康保険の資格がなくなった日（退職日の翌日）から14日以内", days=14,
       online=True, signature=True,
       attachments=["資格喪失証明書（退職した勤務先が発行）", "本人確認書類"],
       legal_basis="国民健康保険法 第7条・第9条第1項、同法施行規則 第3条", who="世帯主",
       description="会社を辞めて健康保険の資格を失ったら、国民健康保険に加入します。保険料は資格喪失日にさかのぼってかかります。",
       events=["job_leave"]),
    _p("kokuho_dattai", "国民健康保険 脱退届（就職）", "健康保険", "就職・退職", "個人",
       "職場の健康保険に入った日（入社日）から14日以内", days=14, first_day_counts=True,
       online=True, signature=True,
       attachments=["職場の健康保険の資格情報（資格確認書・マイナポータルの画面）"],
       legal_basis="国民健康保険法 第9条第9項、同法施行規則 第11条", who="世帯主",
       description="就職して職場の健康保険に入ったら、国民健康保険をやめる届出が必要です（自動では脱退しません）。",
       events=["job_start"]),
    _p("nini_keizoku", "健康保険 任意継続被保険者 資格取得申出", "健康保険", "就職・退職", "被用者",
       "資格喪失日（退職日の翌日）から20日以内", days=20, online=False, signature=False,
       attachments=["任意継続被保険者資格取得申出書"],
       legal_basis="健康保険法 第3条第4項・第37条",
       who="資格喪失日の前日までに継続して2か月以上被保険者だった人",
       description="退職後も最長2年間、それまでの健康保険に加入を続けられます。期限を過ぎると申出できません。",
       events=["job_leave"]),
    _p("nenkin_shubetsu_henkou", "国民年金 種別変更（第2号から第1号）", "年金", "就職・退職", "個人",
       "退職日の翌日（資格喪失日）から14日以内", days=14, online=True, signature=True,
       attachments=["退職日が分かる書類（離職票・資格喪失証明書など）"],
       legal_basis="国民年金法 第12条第1項、同法施行規則 第6条の2", who="本人（世帯主が代わって届出可）",
       description="会社員・公務員を辞めて自営業・無職になったとき、国民年金の第1号被保険者になる届出です。",
       events=["job_leave"]),
    _p("nenkin_shubetsu_3gou_1gou", "国民年金 種別変更（第3号から第1号・配偶者の退職）", "年金", "就職・退職", "個人",
       "配偶者の退職日の翌日から14日以内", days=14, online=True, signature=True,
       attachments=["配偶者の退職日が分かる書類"],
       legal_basis="国民年金法 第12条第1項、同法施行規則 第6条の2", who="被扶養配偶者本人",
       description="会社員の配偶者に扶養されていた人（第3号）は、配偶者が退職すると第1号被保険者への種別変更が必要です。",
       events=["job_leave"]),
    _p("nenkin_3gou_gaitou", "国民年金 第3号被保険者 関係届", "年金", "結婚・離婚", "被用者",
       "事実があった日から14日以内（配偶者の勤務先を通じて提出）", days=14, online=False, signature=False,
       attachments=["続柄・収入を確認できる書類（勤務先の指示による）"],
       legal_basis="国民年金法 第12条第5項・第6項、同法施行規則 第1条の4",
       who="第3号被保険者になる人（配偶者の事業主経由）",
       description="会社員・公務員の配偶者に扶養されるようになったとき（結婚・退職など）の届出です。",
       events=["marriage"]),
    _p("nenkin_menjo", "国民年金保険料 免除・納付猶予申請（失業等の特例）", "年金", "就職・退職", "個人",
       "2年1か月前の月分までさかのぼって申請可（早めの申請を）", online=True, signature=True,
       attachments=["雇用保険受給資格者証または離職票の写し（失業による特例の場合）"],
       legal_basis="国民年金法 第90条（全額免除）・第90条の2（一部免除）、平成26年改正法附則 第14条（納付猶予）",
       who="本人（世帯主・配偶者の所得も審査されます）",
       description="所得が少ないときや失業したとき、国民年金保険料の免除・猶予を受けられます。未納のままにすると障害年金などを受けられないことがあります。",
       events=["job_leave"]),
    _p("koyou_hoken_kihon_teate", "雇用保険 基本手当の受給手続（求職の申込み）", "雇用", "就職・退職", "被用者",
       "受給期間は離職日の翌日から1年（期間を過ぎると受け取れない日数が出るため早めに）",
       months=12, online=False, signature=False,
       attachments=["離職票", "マイナンバーカード（または番号確認書類と本人確認書類）", "本人名義の口座情報", "写真"],
       legal_basis="雇用保険法 第15条・第20条", who="離職した本人",
       description="ハローワークで求職の申込みをし、受給資格の決定を受けます。待期7日間のあと、給付制限を経て支給されます。",
       events=["job_leave"]),
    _p("fuyou_koujo_shinkokusho", "給与所得者の扶養控除等（異動）申告書", "税", "就職・退職", "被用者",
       "その年の最初の給与の支払を受ける日の前日まで（就職時は最初の給与の前日まで）",
       online=False, signature=False, attachments=[],
       legal_basis="所得税法 第194条", who="給与の支払を受ける本人（勤務先へ提出）",
       description="勤務先に提出して扶養控除などを源泉徴収に反映させます。提出しないと高い税率（乙欄）で源泉徴収されます。",
       events=["job_start"]),
    # ------------------------------------------------------------------ 結婚・離婚
    _p("konin_todoke", "婚姻届", "戸籍・住民票", "結婚・離婚", "個人",
       "期限なし（届け出た日に婚姻が成立）", online=False, signature=False,
       attachments=["本人確認書類", "成年の証人2人の署名"],
       legal_basis="民法 第739条、戸籍法 第74条", who="夫になる人と妻になる人",
       description="婚姻は届出によって成立します。本籍地または所在地の市区町村に届け出ます。",
       events=["marriage"]),
    _p("rikon_todoke", "離婚届（協議離婚）", "戸籍・住民票", "結婚・離婚", "個人",
       "期限なし（協議離婚は届け出た日に成立。裁判離婚は確定の日から10日以内）", online=False, signature=False,
       attachments=["本人確認書類", "成年の証人2人の署名（協議離婚）"],
       legal_basis="民法 第763条・第764条、戸籍法 第76条・第77条", who="夫と妻",
       description="協議離婚は届出によって成立します。未成年の子がいるときは親権者を決めて記載します。",
       events=["divorce"]),
    # ------------------------------------------------------------------ 高齢者・介護
    _p("kaigo_hihokenshasho_65", "介護保険被保険者証の交付（65歳）", "介護", "高齢者", "高齢者・家族",
       "申請不要（65歳の誕生日の前日の属する月に市区町村から郵送）", online=False, signature=False,
       attachments=[],
       legal_basis="介護保険法 第9条第1号・第12条第3項", who="（手続不要）65歳になる本人に交付",
       description="65歳になると介護保険の第1号被保険者になり、被保険者証が届きます。保険料は原則として年金から天引きされます。",
       events=["turning_65"]),
    _p("nenkin_seikyu", "老齢基礎年金・老齢厚生年金の請求（年金請求書）", "年金", "高齢者", "高齢者・家族",
       "受給開始年齢（65歳）の誕生日の前日以降に提出。5年を過ぎた分は時効で受け取れません",
       months=60, online=True, signature=True,
       attachments=["年金請求書（事前送付分）", "受取口座の情報", "（加給年金がある場合）戸籍謄本・住民票"],
       legal_basis="国民年金法 第16条・第102条、厚生年金保険法 第33条・第92条", who="受給権者本人",
       description="年金は請求しないと支給されません。65歳の3か月前に日本年金機構から年金請求書が届きます。電子申請もできます。",
       events=["turning_65"]),
    _p("kaigo_hokenryo_kouza", "介護保険料 納付方法の確認（普通徴収の口座振替）", "介護", "高齢者", "高齢者・家族",
       "65歳到達後、年金からの天引き（特別徴収）が始まるまでの納付書の期限まで",
       online=False, signature=False, attachments=["口座振替依頼書", "通帳・届出印"],
       legal_basis="介護保険法 第131条・第135条", who="第1号被保険者本人",
       description="65歳になってから年金天引きが始まるまでの半年〜1年は納付書で納めます。口座振替にすると納め忘れがありません。",
       events=["turning_65"]),
    _p("youkaigo_nintei", "要介護・要支援認定の申請", "介護", "介護", "高齢者・家族",
       "介護が必要になったら（申請日にさかのぼって認定が有効）。結果は原則30日以内に通知",
       online=True, signature=True,
       attachments=["介護保険被保険者証（40〜64歳は医療保険の資格情報）", "主治医の氏名・医療機関名"],
       legal_basis="介護保険法 第27条・第32条",
       who="本人・家族、地域包括支援センター、居宅介護支援事業者などによる代行",
       description="介護サービスを使うための認定を申請します。訪問調査と主治医意見書をもとに介護認定審査会が判定します。",
       events=["care"]),
    _p("youkaigo_koushin", "要介護認定の更新申請", "介護", "介護", "高齢者・家族",
       "認定の有効期間満了日の60日前から満了日まで", online=True, signature=True,
       attachments=["介護保険被保険者証"],
       legal_basis="介護保険法 第28条", who="本人・家族、事業者による代行",
       description="認定には有効期間があります。引き続きサービスを使うには期間満了前に更新を申請します。",
       events=["care"]),
    _p("kyotaku_keikaku_todoke", "居宅サービス計画作成依頼届出", "介護", "介護", "高齢者・家族",
       "ケアマネジャーを決めたらすみやかに（届出前のサービスは償還払いになることがあります）",
       online=False, signature=False, attachments=["介護保険被保険者証"],
       legal_basis="介護保険法施行規則 第64条第1号イ", who="本人・家族、居宅介護支援事業者",
       description="ケアプランを作る事業者（ケアマネジャー）を市区町村に届け出ます。",
       events=["care"]),
    _p("futan_gendogaku_nintei", "介護保険負担限度額認定の申請", "介護", "介護", "高齢者・家族",
       "利用する月の末日までに申請（申請月の初日から有効）", online=False, signature=False,
       attachments=["預貯金等の通帳の写し", "介護保険被保険者証"],
       legal_basis="介護保険法 第51条の3、同法施行規則 第83条の6", who="本人・家族",
       description="施設入所やショートステイの食費・居住費の負担を所得と資産に応じて軽減します。",
       events=["care"]),
    _p("kougaku_kaigo_service", "高額介護サービス費の支給申請", "介護", "介護", "高齢者・家族",
       "サービスを利用した月の翌月の初日から2年以内（時効）", months=24, online=True, signature=False,
       attachments=["本人名義の口座情報"],
       legal_basis="介護保険法 第51条・第200条", who="本人・家族",
       description="1か月の介護サービスの自己負担が上限額を超えた分が払い戻されます。初回の申請後は自動で振り込まれる市区町村が多いです。",
       events=["care"]),
    # ------------------------------------------------------------------ 健康・医療
    _p("kougaku_ryouyouhi", "高額療養費の支給申請", "健康保険", "健康・医療", "個人",
       "診療を受けた月の翌月の初日から2年以内（時効）", months=24, online=True, signature=True,
       attachments=["医療機関の領収書", "本人名義の口座情報"],
       legal_basis="健康保険法 第115条・第193条、国民健康保険法 第57条の2・第110条",
       who="被保険者（世帯主）",
       description="1か月の医療費の自己負担が上限額を超えた分が払い戻されます。マイナ保険証を使うと窓口で上限額までの支払いになります。",
       events=["medical"]),
    _p("gendogaku_tekiyou", "限度額適用認定証の申請", "健康保険", "健康・医療", "個人",
       "受診の前に（申請した月の初日から有効。マイナ保険証を使う場合は不要）", online=True, signature=False,
       attachments=["健康保険の資格情報"],
       legal_basis="健康保険法施行規則 第103条の2、国民健康保険法施行規則 第27条の14の2",
       who="被保険者（世帯主）",
       description="入院などで窓口の支払いを上限額までにする認定証です。マイナ保険証なら申請なしで上限額が適用されます。",
       events=["medical"]),
    _p("hoken_shou_riyou_touroku", "マイナンバーカードの健康保険証利用登録", "マイナンバーカード", "健康・医療", "個人",
       "期限なし（医療機関の受付やマイナポータルでいつでも）", online=True, signature=False,
       attachments=["マイナンバーカード", PINS["auth"].label_ja],
       legal_basis="健康保険法 第3条第13項（電子資格確認）", who="カードの交付を受けている本人",
       description="マイナンバーカードを健康保険証として使うための登録です。高額療養費の限度額が自動で適用されます。",
       events=["medical"]),
    # ------------------------------------------------------------------ 税・申告
    _p("kakutei_shinkoku", "所得税の確定申告", "税", "税・申告", "個人",
       "翌年2月16日から3月15日まで", fixed=(3, 15, 1), online=True, signature=True,
       attachments=["源泉徴収票", "各種控除証明書（マイナポータル連携で自動入力可）", "医療費通知・医療費控除の明細書"],
       legal_basis="所得税法 第120条", who="本人（税理士などの代理人も可）",
       description="1年間の所得と税額を計算して申告・納税します。e-Taxではマイナンバーカードで署名して送信します。",
       events=["tax_year_end", "job_leave", "medical"]),
    _p("kanpu_shinkoku", "所得税の還付申告", "税", "税・申告", "個人",
       "対象年の翌年1月1日から5年間", fixed=(12, 31, 5), online=True, signature=True,
       attachments=["源泉徴収票", "医療費控除の明細書などの控除の書類"],
       legal_basis="所得税法 第122条、国税通則法 第74条", who="本人",
       description="確定申告の義務がない人も、医療費控除や年の途中の退職などで税金が戻ることがあります。",
       events=["tax_year_end", "job_leave", "medical"]),
    _p("juminzei_shinkoku", "住民税の申告", "税", "税・申告", "個人",
       "翌年3月15日まで（所得税の確定申告をした人は不要）", fixed=(3, 15, 1), online=True, signature=True,
       attachments=["収入・控除の書類"],
       legal_basis="地方税法 第317条の2", who="本人",
       description="所得税の確定申告をしない人で、給与以外の所得がある人や所得がなかった人が市区町村に申告します。",
       events=["tax_year_end"]),
    _p("furusato_one_stop", "ふるさと納税 寄附金税額控除に係る申告特例申請（ワンストップ特例）", "税", "税・申告", "個人",
       "寄附をした年の翌年1月10日まで（必着）", fixed=(1, 10, 1), online=True, signature=False,
       attachments=["マイナンバーと本人確認の書類"],
       legal_basis="地方税法 附則第7条", who="確定申告をしない給与所得者などで寄附先が5団体以内の人",
       description="確定申告をしなくても、ふるさと納税の寄附金控除を住民税で受けられます。",
       events=["tax_year_end"]),
    # ------------------------------------------------------------------ おくやみ
    _p("shibou_todoke", "死亡届", "戸籍・住民票", "おくやみ", "高齢者・家族",
       "死亡の事実を知った日から7日以内（国外で死亡したときは3か月以内）", days=7,
       first_day_counts=True, online=False, signature=False,
       attachments=["死亡診断書（死体検案書）"],
       legal_basis="戸籍法 第86条・第87条（期間の計算は第43条）",
       who="同居の親族、その他の同居者、家主など（親族以外の届出資格者も含む）",
       description="死亡届を出すと火葬許可証が交付されます。葬儀社が提出を代行することが多い手続です。",
       events=["death"]),
    _p("setainushi_henkou", "世帯主変更届", "戸籍・住民票", "おくやみ", "高齢者・家族",
       "変更があった日から14日以内（残った世帯員が1人などのときは不要）", days=14,
       online=False, signature=False, attachments=["本人確認書類"],
       legal_basis="住民基本台帳法 第25条", who="新しい世帯主または世帯員",
       description="世帯主が亡くなり、残った世帯員が2人以上のとき、新しい世帯主を届け出ます。",
       events=["death"]),
    _p("nenkin_shibou_todoke", "年金受給権者死亡届", "年金", "おくやみ", "高齢者・家族",
       "厚生年金は10日以内、国民年金は14日以内（マイナンバーが日本年金機構に登録されていれば原則不要）",
       days=10, online=False, signature=False,
       attachments=["死亡の事実を明らかにできる書類（死亡診断書の写し等）", "年金証書"],
       legal_basis="厚生年金保険法施行規則 第41条、国民年金法施行規則 第24条", who="遺族など",
       description="年金を受けていた人が亡くなったときに年金事務所に届け出ます。未支給年金の請求も同時にします。",
       events=["death"]),
    _p("sousaihi", "葬祭費・埋葬料の支給申請", "健康保険", "おくやみ", "高齢者・家族",
       "葬儀を行った日（埋葬料は死亡日）の翌日から2年以内（時効）", months=24, online=False, signature=False,
       attachments=["葬儀の領収書・会葬礼状など喪主が分かる書類", "申請者名義の口座情報"],
       legal_basis="国民健康保険法 第58条・第110条、健康保険法 第100条・第193条",
       who="葬祭を行った人（喪主）、埋葬料は生計を維持されていた人",
       description="国民健康保険・後期高齢者医療では葬祭費、職場の健康保険では埋葬料が支給されます。",
       events=["death"]),
    _p("jun_kakutei_shinkoku", "準確定申告", "税", "おくやみ", "高齢者・家族",
       "相続の開始があったことを知った日の翌日から4か月以内", months=4, online=True, signature=True,
       attachments=["故人の源泉徴収票", "控除の書類", "付表（相続人の代表者指定）"],
       legal_basis="所得税法 第124条・第125条", who="相続人",
       description="亡くなった人のその年の所得について、相続人が代わって申告・納税します。",
       events=["death"]),
    _p("souzokuzei_shinkoku", "相続税の申告", "税", "おくやみ", "高齢者・家族",
       "相続の開始があったことを知った日の翌日から10か月以内", months=10, online=True, signature=True,
       attachments=["戸籍謄本（法定相続情報一覧図）", "遺産分割協議書", "財産と債務の資料"],
       legal_basis="相続税法 第27条", who="相続人・受遺者",
       description="遺産の総額が基礎控除額（3,000万円＋600万円×法定相続人の数）を超えると申告が必要です。",
       events=["death"]),
    # ------------------------------------------------------------------ マイナンバーカード
    _p("myna_card_shinsei", "マイナンバーカードの交付申請", "マイナンバーカード", "マイナンバーカード", "個人",
       "期限なし（申請から交付まで1か月程度）", online=True, signature=False,
       attachments=["交付申請書（QRコード付き）", "顔写真"],
       legal_basis="行政手続における特定の個人を識別するための番号の利用等に関する法律 第16条の2・第17条",
       who="本人（15歳未満・成年被後見人は法定代理人）",
       description="スマートフォン・パソコン・郵送・証明写真機から申請できます。受け取りは原則として本人が市区町村の窓口で行います。",
       events=[]),
    _p("denshi_shoumeisho_koushin", "マイナンバーカード 電子証明書の更新", "マイナンバーカード", "マイナンバーカード", "個人",
       "有効期限（発行から5回目の誕生日）の3か月前から有効期限日まで", days=0, first_day_counts=True,
       online=False, signature=False,
       attachments=["マイナンバーカード", "暗証番号（利用者証明用・署名用）"],
       legal_basis="電子署名等に係る地方公共団体情報システム機構の認証業務に関する法律 第3条・第5条・第22条・第24条",
       who="カードの交付を受けている本人（代理人は照会書兼回答書が必要）",
       description="電子証明書はカード本体より先に期限が来ます。期限を過ぎるとマイナ保険証やe-Taxのログインに使えなくなります。",
       events=["cert_expiry"]),
    _p("myna_card_koushin", "マイナンバーカード本体の更新", "マイナンバーカード", "マイナンバーカード", "個人",
       "有効期限（18歳以上は発行から10回目の誕生日）の3か月前から。期限後も申請可",
       online=True, signature=False, attachments=["有効期限通知書", "顔写真"],
       legal_basis="行政手続における特定の個人を識別するための番号の利用等に関する法律 第17条、同法施行規則（有効期間）",
       who="カードの交付を受けている本人",
       description="カード本体の有効期限が近づくと地方公共団体情報システム機構から通知書が届きます。",
       events=[]),
    _p("myna_card_funshitsu", "マイナンバーカードの紛失・一時利用停止", "マイナンバーカード", "マイナンバーカード", "個人",
       "紛失に気付いたら直ちに（24時間365日のコールセンター）", online=False, signature=False,
       attachments=["警察への遺失届の受理番号（再発行の申請時）"],
       legal_basis="行政手続における特定の個人を識別するための番号の利用等に関する法律 第17条、同法施行令（紛失の届出）",
       who="本人または家族",
       description="マイナンバー総合フリーダイヤルでカードの機能を一時停止し、警察に遺失届を出してから市区町村で再発行を申請します。",
       events=[]),
    _p("koukin_uketori_kouza", "公金受取口座の登録・変更", "マイナンバーカード", "マイナンバーカード", "個人",
       "期限なし（いつでも）", online=True, signature=False,
       attachments=["マイナンバーカード", "本人名義の口座情報"],
       legal_basis="公的給付の支給等の迅速かつ確実な実施のための預貯金口座の登録等に関する法律 第3条",
       who="本人（15歳未満は法定代理人）",
       description="給付金などの受取に使う口座を国に登録します。マイナポータルから登録・変更できます。",
       events=["birth"]),
    # ------------------------------------------------------------------ 法人設立（法人設立ワンストップサービス）
    _p("teikan_ninshou", "定款の認証（電子定款）", "法人", "法人設立", "法人",
       "設立の登記の前に（株式会社の定款は公証人の認証を受けなければ効力を生じません）",
       online=True, signature=True,
       attachments=["電子定款（PDF・発起人の電子署名付き）", "実質的支配者となるべき者の申告書",
                    "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="会社法 第30条第1項、公証人法 第62条の2・第62条の3",
       who="発起人（代理人も可）",
       description="株式会社の定款を公証人に認証してもらいます。電子定款はオンラインで認証を申請でき、収入印紙（4万円）が不要です。法人設立ワンストップサービスからも申請できます。",
       events=["company_setup"]),
    _p("setsuritsu_touki", "株式会社の設立登記申請", "法人", "法人設立", "法人",
       "発起設立は設立時取締役等の調査が終わった日または発起人が定めた日のいずれか遅い日から2週間以内",
       online=True, signature=True,
       attachments=["定款", "設立時取締役の就任承諾書", "払込みがあったことを証する書面",
                    "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="会社法 第49条・第911条第1項、商業登記法 第47条",
       who="設立時代表取締役（司法書士などの代理人も可）",
       description="本店所在地の法務局に設立の登記を申請します。株式会社は登記によって成立し、申請した日が設立日になります。オンライン申請では申請書に電子署名をします。",
       events=["company_setup"]),
    _p("houjin_setsuritsu_todoke", "法人設立届出書（税務署）", "法人", "法人設立", "法人",
       "設立の日以後2か月以内", months=2, online=True, signature=True,
       attachments=["定款等の写し", "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="法人税法 第148条第1項、同法施行規則 第63条",
       who="法人の代表者（税理士などの代理人も可）",
       description="内国法人を設立したら納税地の税務署に届け出ます。e-Tax や法人設立ワンストップサービスからオンラインで提出できます。",
       events=["company_setup"]),
    _p("aoiro_shinsei_houjin", "青色申告の承認申請書（法人）", "法人", "法人設立", "法人",
       "設立の日以後3か月を経過した日と最初の事業年度終了の日のうち、いずれか早い日の前日まで",
       online=True, signature=True,
       attachments=["電子署名付委任状（代理人が申請する場合）"],
       legal_basis="法人税法 第122条第1項・第2項第1号", who="法人の代表者（代理人も可）",
       description="青色申告の承認を受けると、欠損金の繰越控除などの特典を受けられます。期限を過ぎると最初の事業年度は白色申告になります。",
       events=["company_setup"]),
    _p("kyuyo_shiharai_kaisetsu", "給与支払事務所等の開設届出書", "法人", "法人設立", "法人",
       "給与支払事務所等を開設した日から1か月以内", months=1, online=True, signature=True,
       attachments=["電子署名付委任状（代理人が申請する場合）"],
       legal_basis="所得税法 第230条、同法施行規則 第99条", who="法人の代表者（代理人も可）",
       description="役員報酬や給与を支払う事務所を開設したら、所轄の税務署に届け出ます（源泉徴収義務者になります）。",
       events=["company_setup"]),
    _p("houjin_setsuritsu_chihou", "法人設立・設置届出書（都道府県・市区町村）", "法人", "法人設立", "法人",
       "都道府県・市区町村の条例で定める日まで（設立の日から15日以内〜1か月以内が多い）",
       online=True, signature=True,
       attachments=["定款等の写し", "登記事項証明書（法人設立ワンストップサービスでは省略可）",
                    "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="各都道府県・市区町村の税条例（法人の道府県民税・事業税・市町村民税の申告のため）",
       who="法人の代表者（代理人も可）",
       description="法人住民税・法人事業税のために、事務所のある都道府県と市区町村に届け出ます。eLTAX や法人設立ワンストップサービスから提出できます。",
       events=["company_setup"]),
    _p("shinki_tekiyou", "健康保険・厚生年金保険 新規適用届", "法人", "法人設立", "法人",
       "適用事業所となった日から5日以内", days=5, online=True, signature=True,
       attachments=["法人（商業）登記簿謄本（法人番号の記載で省略できる場合あり）",
                    "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="健康保険法 第3条第3項、同法施行規則 第19条、厚生年金保険法 第6条第1項、同法施行規則 第13条",
       who="事業主（社会保険労務士などの代理人も可）",
       description="法人の事業所は、役員1人でも報酬があれば健康保険・厚生年金保険の適用事業所になります。年金事務所に届け出ます。",
       events=["company_setup"]),
    _p("shikaku_shutoku_shakai", "健康保険・厚生年金保険 被保険者資格取得届", "法人", "法人設立", "法人",
       "資格を取得した日（入社日・適用日）から5日以内", days=5, online=True, signature=True,
       attachments=["電子署名付委任状（代理人が申請する場合）"],
       legal_basis="健康保険法 第48条、同法施行規則 第24条、厚生年金保険法 第27条、同法施行規則 第15条",
       who="事業主（社会保険労務士などの代理人も可）",
       description="役員・従業員が健康保険・厚生年金保険の被保険者になったとき、事業主が届け出ます。",
       events=["company_setup"]),
    _p("koyou_tekiyou_secchi", "雇用保険 適用事業所設置届", "法人", "法人設立", "法人",
       "事業所を設置した日の翌日から10日以内", days=10, online=True, signature=True,
       attachments=["登記事項証明書", "労働保険関係成立届の控え", "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="雇用保険法 第7条、同法施行規則 第141条",
       who="事業主（社会保険労務士などの代理人も可）",
       description="労働者を雇用する事業所を設置したら、公共職業安定所（ハローワーク）に届け出ます。",
       events=["company_setup"]),
    _p("roudou_hoken_seiritsu", "労働保険 保険関係成立届", "法人", "法人設立", "法人",
       "保険関係が成立した日（労働者を雇用した日）の翌日から10日以内", days=10, online=True,
       signature=True,
       attachments=["登記事項証明書", "電子署名付委任状（代理人が申請する場合）"],
       legal_basis="労働保険の保険料の徴収等に関する法律 第4条の2第1項、同法施行規則 第4条",
       who="事業主（社会保険労務士などの代理人も可）",
       description="労働者を1人でも雇用すると労働保険（労災保険・雇用保険）の保険関係が成立し、労働基準監督署に届け出ます。",
       events=["company_setup"]),
]
# fmt: on


class PlannedProcedure(NamedTuple):
    """One line of a life-event plan: the procedure, its computed deadline, whether it is past."""

    procedure: Procedure
    deadline: date | None
    overdue: bool


#: what people type for what the catalogue says: for a term of a procedure's name or
#: description, its readings (hiragana) and the words used for it in everyday speech. Each entry
#: gets the ``keywords`` of the terms it contains; the search finds a procedure by them too.
TERMS: dict[str, tuple[str, ...]] = {
    "国民健康保険": ("国保", "こくほ", "こくみんけんこうほけん"),
    "健康保険": ("健保", "けんぽ", "けんこうほけん", "社会保険", "社保", "しゃほ"),
    "被扶養者": ("ひふようしゃ", "扶養", "ふよう"),
    "任意継続": ("にんいけいぞく", "任継"),
    "後期高齢者医療": ("こうきこうれいしゃいりょう", "後期高齢者", "長寿医療"),
    "高額療養費": ("こうがくりょうようひ", "医療費の払い戻し"),
    "限度額適用認定証": ("げんどがくてきようにんていしょう", "限度額認定証", "限度額"),
    "葬祭費": ("そうさいひ", "埋葬料", "まいそうりょう", "葬儀", "そうぎ"),
    "出産育児一時金": ("しゅっさんいくじいちじきん", "出産一時金", "出産費用"),
    "出産手当金": ("しゅっさんてあてきん", "産休"),
    "国民年金": ("こくみんねんきん", "国年", "ねんきん"),
    "厚生年金": ("こうせいねんきん", "ねんきん"),
    "老齢基礎年金": ("ろうれいきそねんきん", "年金の請求", "年金をもらう"),
    "年金": ("ねんきん",),
    "免除": ("めんじょ", "保険料が払えない"),
    "介護保険": ("かいごほけん", "かいご"),
    "要介護": ("ようかいご", "介護認定", "かいごにんてい"),
    "要支援": ("ようしえん",),
    "居宅サービス計画": ("きょたくさーびすけいかく", "ケアプラン", "けあぷらん"),
    "高額介護サービス費": ("こうがくかいごさーびすひ",),
    "負担限度額": ("ふたんげんどがく",),
    "児童手当": ("じどうてあて", "子ども手当", "こどもてあて"),
    "児童扶養手当": ("じどうふようてあて",),
    "ひとり親": ("ひとりおや", "母子家庭", "ぼしかてい", "父子家庭", "ふしかてい", "シングル"),
    "子ども医療費": ("こどもいりょうひ", "子供医療費", "乳幼児医療", "医療証"),
    "妊娠": ("にんしん",),
    "妊婦": ("にんぷ",),
    "母子健康手帳": ("ぼしけんこうてちょう", "母子手帳", "ぼしてちょう"),
    "出生届": ("しゅっしょうとどけ", "しゅっせいとどけ", "出産届", "赤ちゃん", "あかちゃん"),
    "保育所": ("ほいくしょ", "保育園", "ほいくえん", "こども園", "入園"),
    "施設等利用給付": ("しせつとうりようきゅうふ", "幼稚園", "ようちえん"),
    "引っ越し": ("ひっこし", "引越し", "転居"),
    "引越し": ("ひっこし", "引っ越し", "転居"),
    "転出届": ("てんしゅつとどけ", "引越し", "引っ越し", "ひっこし", "転出"),
    "転入届": ("てんにゅうとどけ", "引越し", "引っ越し", "ひっこし", "転入"),
    "転居届": ("てんきょとどけ", "引越し", "引っ越し", "ひっこし", "転居"),
    "世帯主": ("せたいぬし",),
    "婚姻届": ("こんいんとどけ", "結婚", "けっこん", "入籍", "にゅうせき"),
    "離婚届": ("りこんとどけ", "離婚", "りこん"),
    "死亡届": ("しぼうとどけ", "亡くなった", "なくなった", "死亡"),
    "マイナンバーカード": ("マイナカード", "まいなんばーかーど", "個人番号カード"),
    "電子証明書": ("でんししょうめいしょ", "証明書の更新"),
    "健康保険証": ("保険証", "ほけんしょう", "マイナ保険証"),
    "公金受取口座": ("こうきんうけとりこうざ", "給付金の口座", "口座登録"),
    "運転免許証": ("うんてんめんきょしょう", "免許", "めんきょ"),
    "自動車": ("じどうしゃ", "車", "くるま"),
    "犬": ("いぬ", "ペット", "ぺっと"),
    "雇用保険": ("こようほけん", "失業保険", "しつぎょうほけん", "ハローワーク"),
    "基本手当": ("きほんてあて", "失業手当", "しつぎょうてあて"),
    "扶養控除": ("ふようこうじょ", "年末調整", "ねんまつちょうせい"),
    "確定申告": ("かくていしんこく", "税金", "ぜいきん"),
    "還付申告": ("かんぷしんこく", "還付", "医療費控除"),
    "準確定申告": ("じゅんかくていしんこく",),
    "住民税": ("じゅうみんぜい",),
    "ふるさと納税": ("ふるさとのうぜい", "寄附", "寄付", "きふ"),
    "相続税": ("そうぞくぜい", "相続", "そうぞく"),
    "定款": ("ていかん",),
    "設立登記": ("せつりつとうき", "会社設立", "起業", "きぎょう"),
    "法人設立": ("ほうじんせつりつ", "会社設立", "起業", "きぎょう"),
    "青色申告": ("あおいろしんこく",),
    "労働保険": ("ろうどうほけん", "労災", "ろうさい"),
}


def _keywords(proc: Procedure) -> list[str]:
    text = " ".join(
        [
            proc["name"],
            proc["description"],
            proc["deadline_rule"],
            proc["legal_basis"],
            proc["who_can_apply"],
            *proc["attachments"],
        ]
    )
    found: dict[str, None] = {}
    for term, words in TERMS.items():
        if term in text:
            found.update(dict.fromkeys((term, *words)))
    return list(found)


for _proc in CATALOGUE:
    _proc["keywords"] = _keywords(_proc)

_BY_ID: dict[str, Procedure] = {p["procedure_id"]: p for p in CATALOGUE}


def closed_day_hint(deadline: date) -> str | None:
    """For a deadline on a day offices are closed: that day and the next open one, e.g.
    ``2026-05-16は土曜日です。多くの手続で翌開庁日（2026-05-18）まで受け付けられます。``; None for an
    open day (or a year whose holidays are not known: see :mod:`mynalib.jp.holidays`)."""
    from .jp.holidays import closed_reason, next_open_day

    try:
        reason = closed_reason(deadline)
        if reason is None:
            return None
        open_day = next_open_day(deadline)
    except ValueError:
        return None
    plain = reason in ("土曜日", "日曜日", "年末年始") or reason.startswith("休日")
    kind = reason if plain else f"祝日（{reason}）"
    return (
        f"{deadline.isoformat()}は{kind}です。"
        f"多くの手続で翌開庁日（{open_day.isoformat()}）まで受け付けられます。"
    )


def get(procedure_id: str) -> Procedure:
    """The catalogue entry with ``procedure_id`` (KeyError with the known ids if unknown)."""
    try:
        return _BY_ID[procedure_id]
    except KeyError:
        raise KeyError(f"unknown procedure {procedure_id!r}") from None


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _add_months(d: date, months: int) -> date:
    month0 = d.month - 1 + months
    year = d.year + month0 // 12
    month = month0 % 12 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def deadline_for(procedure: Procedure, event_date: date | datetime | str) -> date | None:
    """The legal deadline of ``procedure`` for an event on ``event_date`` (None: no fixed date).

    ``deadline_days``: the event day plus that many days (minus one when the first day counts);
    ``deadline_months``: the same day that many months later (a period starting the next day
    ends on the corresponding day, 民法 第143条); ``deadline_fixed``: a calendar date in a later
    year. Days when the office is closed are not shifted (see :data:`CLOSED_DAY_NOTE`).
    """
    from datetime import timedelta

    start = _as_date(event_date)
    days = procedure.get("deadline_days")
    if days is not None:
        offset = int(days) - (1 if procedure.get("first_day_counts") and days > 0 else 0)
        return start + timedelta(days=offset)
    months = procedure.get("deadline_months")
    if months is not None:
        return _add_months(start, int(months))
    fixed = procedure.get("deadline_fixed")
    if fixed:
        year = start.year + int(fixed.get("years_after", 0))
        day = min(int(fixed["day"]), calendar.monthrange(year, int(fixed["month"]))[1])
        return date(year, int(fixed["month"]), day)
    return None


def plan(
    event: str,
    event_date: date | datetime | str,
    *,
    today: date | None = None,
) -> list[PlannedProcedure]:
    """The procedures for a life event with their deadlines, soonest first.

    ``event`` is a key of :data:`EVENTS` (or its Japanese label). Procedures without a computed
    deadline come last (in catalogue order). ``overdue`` compares with ``today`` (default: the
    local date).
    """
    key = _event_key(event)
    when = _as_date(event_date)
    now = today or date.today()
    rows: list[tuple[int, PlannedProcedure]] = []
    for index, proc in enumerate(CATALOGUE):
        if key not in proc["events"]:
            continue
        deadline = deadline_for(proc, when)
        rows.append(
            (index, PlannedProcedure(proc, deadline, deadline is not None and deadline < now))
        )
    rows.sort(key=lambda r: (r[1].deadline is None, r[1].deadline or date.max, r[0]))
    return [r[1] for r in rows]


def _event_key(event: str) -> str:
    if event in EVENTS:
        return event
    for key, label in EVENTS.items():
        if label == event:
            return key
    raise KeyError(f"unknown life event {event!r}; events: {', '.join(EVENTS)}")


def search(
    keyword: str | None = None,
    *,
    category: str | None = None,
    life_event: str | None = None,
    audience: str | None = None,
    online: bool | None = None,
    signature_required: bool | None = None,
    procedures: Iterable[Procedure] | None = None,
) -> list[Procedure]:
    """Catalogue entries matching every given filter (None = any), in catalogue order.

    ``keyword`` is matched against the name, the description, the deadline rule, the legal
    basis, the attachments and the entry's ``keywords`` (readings and everyday words,
    :data:`TERMS`: ``国保``, ``こくみんけんこうほけん``, ``引越し``), in one form for both sides
    (:func:`mynalib.jp.names.search_key`: NFKC, case-folded, katakana as hiragana); several
    words separated by spaces (of either width) must all match.
    """
    from .jp.names import search_key as norm

    words = norm(keyword or "").split()
    out = []
    for proc in CATALOGUE if procedures is None else procedures:
        if category and proc["category"] != category:
            continue
        if life_event and proc["life_event"] != life_event:
            continue
        if audience and proc["audience"] != audience:
            continue
        if online is not None and bool(proc["online"]) != online:
            continue
        if (
            signature_required is not None
            and bool(proc["signature_required"]) != signature_required
        ):
            continue
        if words:
            haystack = norm(
                " ".join(
                    [
                        proc["name"],
                        proc["description"],
                        proc["deadline_rule"],
                        proc["legal_basis"],
                        proc["who_can_apply"],
                        *proc["attachments"],
                        *proc.get("keywords", ()),
                    ]
                )
            )
            if not all(w in haystack for w in words):
                continue
        out.append(proc)
    return out


def procedures_frame(procedures: Iterable[Procedure] | None = None) -> pd.DataFrame:
    """The ``procedures`` frame (``mynalib/frames/procedures.py``) of the catalogue (or of
    ``procedures``)."""
    import pandas as pd

    from .frames import conform

    rows = list(CATALOGUE if procedures is None else procedures)
    return conform("procedures", pd.DataFrame(rows, columns=list(rows[0]) if rows else None))
