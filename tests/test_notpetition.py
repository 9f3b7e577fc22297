"""Lines that are not petitions: rules, the JSON line model, the classify status and the CLI."""

import json
import time

import pandas as pd
import pytest

from conftest import LABELED, run_cli
from petition_nlp.model.notpetition import (
    MODEL_FILE,
    FurnitureDetector,
    furniture_kind,
    is_not_petition,
    line_key,
    line_keys,
    load_detector,
    model_features,
    person_names,
    places,
)

FURNITURE = [
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "motto"),
    ("Độc lập - Tự do - Hạnh phúc", "motto"),
    ("LIÊN ĐOÀN LAO ĐỘNG TỈNH THÁI NGUYÊN", "letterhead"),
    ("Số: 125/BC-LĐLĐ", "doc_number"),
    ("Thái Nguyên, ngày 10 tháng 5 năm 2025", "place_date"),
    ("Hà Nội, ngày ... tháng ... năm 2025", "place_date"),
    ("Kính gửi: Ban Giám đốc Công ty", "salutation"),
    ("TM. BAN THƯỜNG VỤ", "signature"),
    ("CHỦ TỊCH", "signature"),
    ("Người lập biểu", "signature"),
    ("(Đã ký)", "signature"),
    ("Nơi nhận:", "recipients"),
    ("- Như trên;", "recipients"),
    ("- Lưu: VT, VP.", "recipients"),
    ("Tổng cộng: 145 ý kiến", "total"),
    ("STT", "column_header"),
    ("Nội dung kiến nghị", "column_header"),
    ("I. LĨNH VỰC NHÀ Ở", "heading"),
    ("Không có ý kiến", "no_opinion"),
    ("ko có ý kiến gì", "no_opinion"),
    ("Nhất trí với dự thảo", "no_opinion"),
    ("#N/A", "spreadsheet"),
    ("=SUM(B2:B40)", "spreadsheet"),
    ("Nguyen Thi Lan 09:05", "chat"),
    ("ok", "chat"),
    ("đã nhận", "chat"),
    ("[Hình ảnh]", "chat"),
    ("Trần Văn Nam đã thu hồi một tin nhắn", "chat"),
    ("BÁO CÁO TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA CÔNG NHÂN LAO ĐỘNG", "title"),
    ("Công ty CP Dệt Kim Hòa Thắng", "unit_name"),
    ("CĐCS Công ty TNHH Điện tử Minh Long", "unit_name"),
    ("Tổ Cắt, Xí nghiệp May Bắc Hà", "unit_name"),
    ("Người tổng hợp     Thủ trưởng đơn vị", "signature"),
    ("Đơn vị chủ trì", "column_header"),
    ("III. Về tiền lương và thu nhập", "heading"),
    ("Mục 3: An toàn vệ sinh lao động", "heading"),
    ("Phụ lục 2 - Danh mục ý kiến đã trả lời", "heading"),
    # the report's own framing: introduction, conclusion, a closing request with no content of its own
    ("Thực hiện Kế hoạch số 12/KH-LĐLĐ ngày 05/01/2026 của Ban Thường vụ Liên đoàn Lao động tỉnh về tổ chức Hội nghị "
     "đối thoại, Ban Thường vụ tổng hợp ý kiến như sau:", "report_frame"),
    ("Qua tổng hợp từ 45 công đoàn cơ sở, có 145 ý kiến, kiến nghị của công nhân lao động, cụ thể như sau:", "report_frame"),
    ("Ban Thường vụ LĐLĐ tỉnh tổng hợp, báo cáo các ý kiến, kiến nghị của CNLĐ như sau:", "report_frame"),
    ("Trên đây là tổng hợp ý kiến, kiến nghị của công nhân lao động gửi tới Hội nghị đối thoại", "report_frame"),
    ("Ban Thường vụ Liên đoàn Lao động tỉnh trân trọng báo cáo./.", "report_frame"),
    ("Liên đoàn Lao động tỉnh kính báo cáo.", "report_frame"),
    ("Kính đề nghị Ủy ban nhân dân tỉnh xem xét, chỉ đạo các sở ngành trả lời", "report_frame"),
    ("Đề nghị các sở, ngành liên quan nghiên cứu, trả lời để công nhân được biết.", "report_frame"),
    ("Kính đề nghị UBND tỉnh, các sở ngành quan tâm giải quyết kịp thời.", "report_frame"),
    # minutes of the conference and its Q&A
    ("Trả lời: Sở đã chỉ đạo Thanh tra Sở kiểm tra doanh nghiệp, yêu cầu đóng đủ BHXH trước 30/6", "minutes"),
    ("Chương trình hội nghị", "minutes"),
    ("Phát biểu khai mạc của đồng chí Chủ tịch LĐLĐ tỉnh", "minutes"),
    ("Đại diện lãnh đạo các sở, ngành: Lao động - Thương binh và Xã hội, Xây dựng, Công an tỉnh", "minutes"),
    ("Đồng chí Nguyễn Văn Hùng, Phó Chủ tịch UBND tỉnh, chủ trì hội nghị", "minutes"),
    ("Hướng dẫn: mỗi dòng ghi một ý kiến", "instruction"),
    ("- Ban Tuyên giáo (để biết);", "recipients"),
    ("Không có vướng mắc gì", "no_opinion"),
    ("II. Kiến nghị với các bộ, ngành Trung ương", "heading"),
    ("Tổ Đóng gói không có ý kiến", "no_opinion"),
    ("Ý kiến khác: không có.", "no_opinion"),
    ("Kiến nghị bổ sung: chưa có gì", "no_opinion"),
    ("Đơn vị: Tổ Cắt, Phân xưởng 2", "unit_name"),
    ("(Kèm theo Kế hoạch số 15/KH-CĐ)", "doc_number"),
    ("Anh/chị vui lòng ghi rõ bộ phận", "form"),
    ("Số TT\tHọ tên\tNội dung\tGhi chú", "column_header"),
    ("Tin nhắn đã bị thu hồi", "chat"),
    ("dạ em cảm ơn chị", "chat"),
    ("Đang giải quyết", "status"),
    ("Trả lời:", "column_header"),
    # one line per rule of the third session's block of furniture.tsv
    ("Kiến nghị về tăng lương tối thiểu vùng: 31 ý kiến", "total"),
    ("Về chế độ BHXH (07 ý kiến)", "total"),
    ("Số kiến nghị tiếp nhận: 87; đã trả lời: 62", "total"),
    ("Số kiến nghị liên quan đến tiền lương chiếm 38%", "total"),
    ("Các kiến nghị đã được giải quyết", "heading"),
    ("Kết quả giải quyết kiến nghị quý III", "title"),
    ("Biên bản họp Ban Chấp hành Công đoàn cơ sở", "title"),
    ("Thư ký: Chị Vũ Thị Hằng", "form"),
    ("Địa điểm: Hội trường tầng 3, Nhà văn hóa Công nhân", "form"),
    ("Thời gian: 8h00 ngày 15/5/2026", "form"),
    ("Đại diện Ban Giám đốc trả lời:", "form"),
    ("Đoàn Quý đã tạo bình chọn: Họp lúc mấy giờ?", "chat"),
    ("Ngân hàng CSXH huyện Tân Thành", "unit_name"),
    ("Đồng kính gửi: Ban Quản lý các KCN tỉnh", "salutation"),
    ("Ghi chú: cột (5) ghi rõ cơ quan có thẩm quyền giải quyết", "note"),
    ("Cập nhật lần cuối: 02/12/2026", "note"),
    ("Nội dung kiến nghị về chậm đóng BHXH (xem phụ lục 2)", "note"),
    ('Điền dấu "x" vào ô tương ứng', "instruction"),
    ("STT | Tên đơn vị | Số ý kiến | Đã giải quyết | Chưa giải quyết", "column_header"),
    ("II. ĐẶC ĐIỂM TÌNH HÌNH", "heading"),
    ("1.2. Tình hình tiền lương, thu nhập", "heading"),
    ("Thứ hai, về thời giờ làm việc", "heading"),
    ("6/ Về chăm sóc con công nhân", "heading"),
    ("Tôi không có góp ý gì", "no_opinion"),
    ("CĐCS không phát sinh kiến nghị trong kỳ", "no_opinion"),
    ("Giữ nguyên như dự thảo", "no_opinion"),
    ("Chị Hằng ơi", "chat"),
    ("/s/ Lý Hoài Nam", "signature"),
    ("ĐẢNG BỘ KHỐI DOANH NGHIỆP TỈNH HẢI DƯƠNG", "letterhead"),
]

PETITIONS = [
    "Xử lý tín dụng đen.",
    "Tăng lương cơ bản cho công nhân may.",
    "Đề nghị trả lương đúng ngày 10 tháng 5 năm 2025",
    "Công đoàn cơ sở cần bảo vệ người lao động",
    "Ca làm việc kết thúc lúc 22:00 mà không có xe đưa đón",
    "đã ký hợp đồng mà chưa được đóng BHXH",
    "Nhất trí với dự thảo nhưng đề nghị bổ sung quy định bảo vệ cán bộ công đoàn",
    "kt lại lương tháng 5 giúp em",
    "Kính gửi ban giám đốc, xin hỏi bao giờ công ty chốt sổ BHXH cho em?",
    "Ghi chú: Kiến nghị tăng phụ cấp độc hại cho công nhân phân xưởng sơn.",
    "Lưu ý an toàn lao động ở xưởng hàn",
    "Cho hỏi lương hưu tính thế nào?",
    "Công ty TNHH Phú Hòa chậm đóng BHXH",
    "Công ty Kim Sơn nợ lương Tết",
    "1. Về nhà ở: đề nghị xây thêm nhà trọ giá rẻ",
    "Xây nhà trẻ cho con công nhân",
    "Lắp camera ở bãi xe",
    "1. Kiến nghị với công ty tăng lương",
    "- Tăng phụ cấp độc hại",
    "Quỹ phúc lợi chi không minh bạch",
    "Tổ Đóng gói không có ghế ngồi",
    "Khoa Nội Thiếu Người",
    "Chưa giải quyết chế độ thai sản",
    "Trả lời của công ty: chưa có",
    "Công ty TNHH Giày Vĩnh Tiến cắt thưởng Tết 2026",
    "Công ty TNHH Hoa Sen cúp lương",
    "Cty TNHH Hoa Sen ha luong",
    # genuine petitions that open like furniture (a reviewer's set; the first version of the third
    # session's rules caught every one of them)
    "Danh sách xét thưởng cuối năm đề nghị công khai minh bạch",
    "Danh sách nâng lương cần công khai trên bảng tin",
    "Kế hoạch tăng ca phải báo trước 3 ngày",
    "Bảng kê lương phải ghi rõ từng khoản trừ",
    "Thông báo tuyển dụng ghi lương 8 triệu nhưng thực nhận 6 triệu",
    "Giấy mời họp phải gửi trước cho công nhân",
    "Thông báo kết quả giải quyết kiến nghị cho công nhân biết",
    "Biên bản họp với ban giám đốc đề nghị phát cho tổ trưởng",
    "Kiến nghị đã lâu sao chưa được trả lời?",
    "Kiến nghị đã gửi nhưng chưa được trả lời",
    "Đề xuất chưa được công ty xem xét giải quyết",
    "Kiến nghị tồn đọng từ năm 2024 đến nay chưa xử lý",
    "Về tiền ăn ca: 1 phiếu ăn chỉ 15.000đ, cơm ít thức ăn",
    "Về tiền lương: 2 đơn vị chậm trả lương, đề nghị thanh tra",
    "Đề xuất tăng tiền ăn ca lên: 35.000",
    "Kiến nghị nâng phụ cấp độc hại lên: 10%",
    "2. Công tác an toàn lao động đề nghị công ty quan tâm hơn",
    "1. Công tác vệ sinh nhà ăn cần cải thiện",
    "Thứ nhất, về tiền lương: công ty trả lương muộn 10 ngày",
    "2/ Về nhà vệ sinh bẩn, thiếu nước",
    "ii) Công ty trả lương chậm",
    "iv) Quản đốc quát mắng công nhân",
    "Vấn đề an ninh khu nhà trọ phức tạp",
    "Vấn đề: tổ trưởng quát mắng công nhân",
    "Chủ đề: quản đốc xúc phạm công nhân nữ",
    "Cập nhật: công ty vẫn chưa trả lương tháng 6 cho anh em",
    "Kiến nghị bổ sung nhà vệ sinh nữ, chi tiết xem bảng 3",
    "Ghi đủ giờ tăng ca vào ô chấm công cho công nhân",
    "V/v đề nghị công ty trả lương đúng hạn",
    "Bình chọn: chiến sĩ thi đua năm nay không công bằng",
    "Thời gian: nghỉ giữa ca chỉ 30 phút, công nhân ăn không kịp",
    "Địa điểm: nhà vệ sinh xưởng 2 bốc mùi hôi",
    "Kiến nghị về phòng cho con bú: chưa có",
    "QUY CHẾ THƯỞNG PHẢI CÔNG KHAI CHO CÔNG NHÂN",
    "NỘI QUY CẤM ĐIỆN THOẠI TRONG XƯỞNG LÀ VÔ LÝ",
    "Tổ trưởng chuyền 5 chửi công nhân",
    "Tổ trưởng Tổ 4 ép chỉ tiêu 300 sản phẩm",
    "Đội xe đưa đón Công ty đến trễ 30 phút",
    "Ban Giám đốc hứa tăng lương từ Tết nhưng im lặng",
    # requests addressed like a report's closing, but with content of their own
    "Kính đề nghị UBND tỉnh xem xét đầu tư xây nhà ở xã hội cho công nhân",
    "Đề nghị các sở ngành liên quan sớm giải quyết tình trạng nợ BHXH",
    "Đề nghị UBND tỉnh chỉ đạo các sở ngành kiểm tra việc công ty nợ lương",
    "Kính đề nghị các cơ quan chức năng vào cuộc xử lý dứt điểm tình trạng trộm cắp ở khu trọ",
    "Đề nghị các cấp công đoàn quan tâm hơn nữa đến đời sống công nhân",
    "Thực hiện Nghị quyết 68, đề nghị tỉnh hỗ trợ tiền thuê nhà cho công nhân",
    "Trong năm 2025 công ty đã cắt thưởng Tết như sau: công nhân chỉ được 500 nghìn",
    "Qua 3 năm làm việc tôi chưa được tăng lương, đề nghị giải quyết",
    # a speaker of the minutes who raises something is a petition
    "Bà Lê Thị Mai, công nhân Công ty May 10, phản ánh công ty nợ lương 2 tháng",
    "Ông Phạm Văn Tú (Công ty ABC) đề nghị tăng phụ cấp độc hại",
    "Đại diện công nhân Công ty ABC: đề nghị tăng tiền ăn ca",
    "Chương trình đào tạo nghề cho công nhân còn ít, đề nghị mở thêm lớp",
]


@pytest.mark.parametrize("line, kind", FURNITURE)
def test_furniture_lines_are_caught_by_their_rule(line, kind) -> None:
    assert load_detector().rule_kind(line) == kind
    assert is_not_petition(line)


@pytest.mark.parametrize("text", PETITIONS)
def test_genuine_petitions_pass(text) -> None:
    assert furniture_kind(text) is None, furniture_kind(text)


def test_line_key_folds_case_diacritics_and_spaces() -> None:
    assert line_key("  Đã   KÝ  ") == "da ky"
    assert line_key("Đã KÝ", keep_case=True) == "Da KY"
    nfd = "Người lập biểu".encode().decode()  # precomposed
    import unicodedata

    assert line_key(unicodedata.normalize("NFD", nfd)) == line_key(nfd) == "nguoi lap bieu"


def test_model_features_hold_the_same_character_ngrams_as_scikit_learn_char_wb() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    text = "Nguyễn Thị Lan (Tổ 3)"
    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=False).build_analyzer()
    grams = set(analyzer(line_key(text)))
    feats = set(model_features(text))
    assert grams <= feats
    assert {"first=nguyen", "len=4-5", "shape=title", "shape=digit"} <= feats


def test_the_line_model_is_json_data_not_a_pickle() -> None:
    from importlib import resources

    raw = resources.files("petition_nlp").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    model = json.loads(raw)
    assert {"weights", "intercept", "threshold", "max_words"} <= set(model)
    assert all(isinstance(w, float) for w in model["weights"].values())
    detector = load_detector()
    assert detector.model is not None and 0.5 <= detector.threshold < 1.0


def test_the_model_catches_what_rules_miss_and_only_short_lines() -> None:
    model = {"weights": {"w=xyzzy": 10.0}, "intercept": -5.0, "threshold": 0.9, "max_words": 3}
    detector = FurnitureDetector("# no rules\n", model)
    assert detector.kind("xyzzy plugh") == "model"
    assert detector.kind("xyzzy plugh plugh plugh") is None  # longer than max_words: never the model
    assert detector.kind("plugh") is None


def test_start_guard_keeps_imperative_lines_from_the_model() -> None:
    model = {"weights": {"w=den": 10.0}, "intercept": -5.0, "threshold": 0.9, "max_words": 5}
    assert FurnitureDetector("# no rules\n", model).kind("Lắp đèn") == "model"
    guarded = FurnitureDetector("# no rules\n", {**model, "start_guard": True})
    assert guarded.kind("Lắp đèn") is None  # opens with an action verb: a short imperative petition
    assert guarded.kind("Đèn") == "model"


def test_cross_validation_never_splits_a_provenance_group(monkeypatch) -> None:
    from petition_nlp.model import notpetition

    frame = pd.DataFrame({
        "writer": ["w1"] * 6 + ["w2"] * 6,
        "batch": ["b1"] * 6 + ["b2"] * 6,
        "kind": ["sig", "sig", "total", "total", "short_petition", "short_petition"] * 2,
    })
    groups = notpetition.provenance_groups(frame)
    assert groups[0] == "w1|b1|sig" and groups[6] == "w2|b2|sig" and len(set(groups)) == 6
    texts = ["CHỦ TỊCH", "(Đã ký)", "Tổng: 3", "Cộng: 5", "Tăng lương", "Xây nhà trọ"] * 2
    furniture = [1, 1, 1, 1, 0, 0] * 2
    seen: list[set[str]] = []

    def fake_train(train_texts, train_y, *, groups, **_):
        seen.append(set(groups))
        return {"weights": {}, "intercept": -5.0, "threshold": 0.9, "max_words": 16}

    monkeypatch.setattr(notpetition, "train_line_model", fake_train)
    result = notpetition.cross_validate(texts, furniture, groups, ["Sửa đường vào KCN"], n_splits=3)
    assert len(seen) == 3
    for train_groups in seen:  # each held-out group is absent from its fold's training part
        assert len(set(groups) - train_groups) >= 1
    assert sum(len(set(groups) - g) for g in seen) == len(set(groups))  # every group held out once
    assert result["furniture_rows"] == 8 and 0.0 <= result["furniture_recall"] <= 1.0
    assert result["genuine_caught_lines_file"] == 0.0


def test_rules_file_errors_name_the_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        FurnitureDetector("# comment\nkind-without-regex\n")
    with pytest.raises(ValueError, match="line 1"):
        FurnitureDetector("kind\t(unclosed\n")


def _split(name: str) -> pd.DataFrame:
    path = LABELED / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_heldout_furniture_recall_and_short_petitions() -> None:
    lines = _split("not_petitions.csv")
    held = lines[lines["split"] == "heldout"]
    if held.empty:
        pytest.skip("no heldout split yet")
    furniture = held[held["is_petition"] == "0"]["text"]
    genuine = held[held["is_petition"] == "1"]["text"]
    recall = sum(is_not_petition(t) for t in furniture) / len(furniture)
    # the target is 0.95, on a fresh pass by a writer who never saw the train split (split
    # "heldout": writer-furniture-9, read once: 0.961, 2 of 201 petitions caught; earlier passes
    # were retired into train) — this guards against regressions, the README reports the figure
    assert recall >= 0.95, recall
    assert sum(is_not_petition(t) for t in genuine) <= max(1, 0.03 * len(genuine))


@pytest.mark.parametrize("name", ["test.csv", "test_genres.csv", "petitions.csv"])
def test_at_most_one_percent_of_labelled_petitions_are_set_aside(name) -> None:
    texts = _split(name)["text"].tolist()
    marked = [t for t in texts if is_not_petition(t)]
    assert len(marked) <= 0.01 * len(texts), marked[:5]


def test_cheap_per_ordinary_row() -> None:
    texts = _split("test.csv")["text"].tolist()
    detector = load_detector()
    start = time.perf_counter()
    for text in texts:
        detector.kind(text)
    per_row = (time.perf_counter() - start) / len(texts)
    assert per_row < 200e-6, per_row  # ~15 µs measured; classification costs ~800 µs a row


MIXED = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Đề nghị công ty đóng đủ BHXH cho công nhân theo mức lương thực tế.",
    "Nguyen Thi Lan 09:05",
    "Xử lý tín dụng đen.",
    "(Đã ký)",
    "Mong tỉnh sớm xây nhà ở xã hội cho công nhân KCN thuê giá rẻ.",
    "Tổng cộng: 3 ý kiến",
]
IS_FURNITURE = [True, False, True, False, True, False, True]


def test_classify_keeps_furniture_rows_in_place_without_a_topic(small_model) -> None:
    out = small_model.classify(pd.DataFrame({"text": MIXED}), text_column="text")
    assert out["text"].tolist() == MIXED
    assert (out["status"] == "not_a_petition").tolist() == IS_FURNITURE
    furniture = out[out["status"] == "not_a_petition"]
    assert (furniture["category"] == "").all() and furniture["needs_review"].all()
    assert furniture["confidence"].isna().all() and (furniture["second_category"] == "").all()
    assert (out.loc[out["status"] == "ok", "category"] != "").all()


def test_not_petitions_false_classifies_every_line(small_model) -> None:
    import copy

    model = copy.copy(small_model)
    model.not_petitions = False
    out = model.classify(pd.DataFrame({"text": MIXED}), text_column="text")
    assert (out["status"] == "ok").all() and (out["category"] != "").all()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_cli_on_a_file_mixing_petitions_and_furniture(tmp_path, suffix) -> None:
    source = tmp_path / "mixed.txt"
    source.write_text("\n".join(MIXED) + "\n", encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    result = run_cli("classify", source, "-o", out)
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        frame = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert frame.iloc[:, 0].tolist() == MIXED  # every row out, in order
        assert (frame["status"] == "not_a_petition").tolist() == IS_FURNITURE
        assert (frame.loc[frame["status"] == "not_a_petition", "category"] == "").all()
        assert (frame.loc[frame["status"] == "ok", "category"] != "").all()
        assert {"second_category", "second_confidence"} <= set(frame.columns)
    else:
        frame = pd.read_excel(out, sheet_name=0, dtype=str, keep_default_na=False)
        assert len(frame) == len(MIXED)
        assert "Chủ đề thứ hai" in frame.columns
    assert "4 not petitions" in result.stderr or "not_a_petition: 4" in result.stderr


# -- place names, personal names (data files) ---------------------------------------------
PLACE_LINES = [  # place names whose first word reads as a request or action verb once folded
    "Cần Giờ, ngày 10/5/2025",
    "Cần Đước, 03/07/2025",
    "TP. Cần Thơ, ngày 2 tháng 9 năm 2025",
    "Cần Giuộc, tháng 8 năm 2025",
    "cần giuộc, ngày 4 tháng 4 năm 2025",
    "Can Loc, ngay 15 thang 4 nam 2025",
    "Xín Mần, ngày 20/4/2025",
    "Đồng Xoài, ngày 5 tháng 5 năm 2025",
    "Lâm Hà, 14/2/2025",
    "Trà Vinh, ngày 01/10/2025",
    "Phan Rang – Tháp Chàm, ngày 5/5/2025",
    "UBND HUYỆN CẦN GIUỘC",
    "Phòng GD&ĐT huyện Cần Giuộc",
    "Trung tâm Y tế huyện Cần Đước",
]
CAN_REQUESTS = [  # "cần" = "need": requests, with or without a place name in them
    "Cần thêm nhà trẻ cho con công nhân",
    "Cần giờ làm thêm hợp lý hơn",
    "CẦN GIỜ LÀM VIỆC LINH HOẠT",
    "Cần đước bồi thường khi bị tai nạn",
    "Cần thanh toán lương đúng hạn",
    "Cần Thơ cần thêm trường nghề",
    "Nhà trọ ở Cần Giuộc quá chật",
    "Đồng ý tăng ca nhưng phải trả đủ tiền",
    "Lâm sàng thiếu điều dưỡng",
]


@pytest.mark.parametrize("line", PLACE_LINES)
def test_place_lines_with_request_like_place_names_are_furniture(line) -> None:
    assert load_detector().rule_kind(line) in {"place_date", "letterhead", "unit_name"}, line


@pytest.mark.parametrize("text", CAN_REQUESTS)
def test_requests_opening_like_a_place_name_pass(text) -> None:
    assert furniture_kind(text) is None, furniture_kind(text)


def test_places_file_loads_and_is_used() -> None:
    known = places()
    assert len(known) >= 700
    # the 34 provinces and cities from 2025, old provinces, districts of every region
    assert {"ha noi", "thanh pho ho chi minh", "can tho", "tuyen quang", "ha giang", "binh duong", "dak nong",
            "can gio", "can giuoc", "xin man", "muong te", "chu se", "nam can"} <= known
    assert places() is known  # loaded once
    rules = "place_date\t{PLACE}, ngay \\d{1,2}\n"
    detector = FurnitureDetector(rules)
    assert detector.rule_kind("Cần Giuộc, ngày 5") == "place_date"
    assert detector.rule_kind("Cần thêm, ngày 5") is None  # not a place of the list
    # a guard-misread place is marked only where it reads as a place
    assert "can gio" not in line_keys("Cần Giờ, ngày 5/5/2025")[0]
    assert line_keys("Cần giờ làm thêm hợp lý")[0] == "can gio lam them hop ly"
    assert line_keys("CẦN GIỜ LÀM VIỆC")[0] == "can gio lam viec"


@pytest.mark.parametrize("line", [
    "Lâm Thị Mỹ Hạnh",
    "NGUYỄN VĂN TOÀN",
    "ThS. Đặng Quốc Bảo",
    "Đ/c Đồng Văn Hải",
    "nguyễn thị lan",
    "PHÓ CHỦ TỊCH THƯỜNG TRỰC Lê Văn Quang",
    "Trưởng phòng Nhân sự: Phan Thanh Tùng",
    "GIÁM ĐỐC NHÂN SỰ",
])
def test_names_and_titles_on_their_own_are_furniture(line) -> None:
    assert load_detector().rule_kind(line) in {"person", "signature"}, line


@pytest.mark.parametrize("text", ["Tăng Phúc Lợi", "Quan Tâm Đời Sống", "Lương thấp quá", "Đào tạo nghề"])
def test_headings_that_look_like_names_are_not_names(text) -> None:
    surnames, given = person_names()
    assert "nguyen" in surnames and "thi" in given
    assert load_detector().rule_kind(text) is None


def test_rules_catch_none_of_the_authored_very_short_petitions() -> None:
    from petition_nlp.model import notpetition

    texts = notpetition._data_lines(notpetition.SHORT_PETITIONS_FILE)
    assert len(texts) >= 200
    caught = [t for t in texts if load_detector().rule_kind(t) is not None]
    assert not caught, caught
    assert set(texts) <= set(notpetition._short_petitions(notpetition.MODEL_MAX_WORDS))


def test_cross_writer_scores_each_writer_with_a_model_fitted_without_it(monkeypatch) -> None:
    from petition_nlp.model import notpetition

    texts = ["CHỦ TỊCH", "(Đã ký)", "Tăng lương", "Tổng: 3", "Cộng: 5", "Xây nhà trọ"]
    furniture = [1, 1, 0, 1, 1, 0]
    writers = ["w1", "w1", "w1", "w2", "w2", "w2"]
    groups = [f"{w}|b|k" for w in writers]
    fitted_on: list[set[str]] = []

    def fake_train(train_texts, train_y, *, groups, **_):
        fitted_on.append(set(train_texts))
        return {"weights": {}, "intercept": -5.0, "threshold": 0.9, "max_words": 16}

    monkeypatch.setattr(notpetition, "train_line_model", fake_train)
    result = notpetition.cross_writer(texts, furniture, writers, groups, ["Sửa đường", "Lắp đèn"])
    assert set(result) == {"w1", "w2"}
    assert fitted_on[0].isdisjoint(texts[:3]) and fitted_on[1].isdisjoint(texts[3:])
    assert result["w1"]["furniture_rows"] == 2 and result["w2"]["furniture_rows"] == 2
    assert result["w2"]["furniture_recall"] == 1.0  # "Tổng: 3", "Cộng: 5": total rules
    assert result["w1"]["genuine_caught_lines_file"] == 0.0


def test_guard_flag_keeps_a_rule_off_requests_and_complaints() -> None:
    detector = FurnitureDetector("unit\tto \\w+( \\w+)?\tguard\nplain\tto mong \\w+\n")
    assert detector.rule_kind("Tổ Cắt") == "unit"
    assert detector.rule_kind("Tổ Cắt thiếu") is None  # guarded rule refused, no other rule matches
    assert detector.rule_kind("Tổ mong muốn") == "plain"  # guarded rule refused, the next rule counts
    with pytest.raises(ValueError, match="line 1"):
        FurnitureDetector("unit\tto\tbogus\n")


@pytest.mark.parametrize("line", [
    "Kiến nghị về chế độ phụ cấp",          # a caption naming a group of petitions
    "Các ý kiến, kiến nghị về môi trường làm việc",
    "Ý kiến phản ánh về nước sinh hoạt khu trọ",
    "Kiến nghị của người lao động tại KCN Đình Trám",  # "lao động" is not the verb "đóng"
    "Tóm tắt kiến nghị về mức lương tối thiểu",          # "tối thiểu" is not the complaint "thiếu"
])
def test_captions_naming_a_group_of_petitions_are_headings(line) -> None:
    assert furniture_kind(line) == "heading"


@pytest.mark.parametrize("text", [
    "Kiến nghị tăng phụ cấp độc hại",                    # the caption words followed by a request
    "Kiến nghị về việc điều chỉnh giờ tan ca",
    "Kiến nghị về việc công ty chậm đóng BHXH",
    "b) Giảm giá điện cho phòng trọ công nhân",           # a lettered item opening with a verb
    "Công ty bắt ký cam kết không nghỉ phép",
    "Ban giám đốc chưa tổ chức đối thoại định kỳ",
    "Thống nhất cao, đề nghị sớm ban hành nghị quyết",
])
def test_requests_under_caption_words_or_item_letters_pass(text) -> None:
    assert not is_not_petition(text)


@pytest.mark.parametrize("line", ["Như trên, không có gì thêm.", "Thống nhất cao với dự thảo nghị quyết."])
def test_agreement_and_as_above_lines_are_no_opinion(line) -> None:
    assert furniture_kind(line) == "no_opinion"
