"""The room's screens in English (the language switch every page has), for a reviewer to look at
in test-artifacts: the projector at 1080p, 4K (3840×2160) and 4:3 (1024×768), the trainee's exam
page and her results.  On a short question the options fill the projector's screen: no empty
lower half, and nothing scrolls sideways."""
from __future__ import annotations

from server.exams import operations as exams
from server.extensions import db
from tests.browser.conftest import join_exam, sign_in

FILL = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
  return {bottom: r.bottom / window.innerHeight, width: r.width / window.innerWidth,
          scroll: document.scrollingElement.scrollWidth - window.innerWidth}; }"""
SCREENS = {"1080p": (1920, 1080), "4k": (3840, 2160), "4x3": (1024, 768), "4x3-1600": (1600, 1200)}


def _english(page):
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")


def test_the_projector_and_the_trainee_in_english(browser, web_server, people, fixed_paper, make_trainees,
                                                  screenshot):
    fixed_paper.show_key, fixed_paper.question_seconds, fixed_paper.show_ranks = "after_question", 120, True
    db.session.commit()
    session = exams.create_session(people["inv_bj"], fixed_paper, "Teller monthly test", "paced", make_trainees(1))
    db.session.commit()
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    staff = staff_context.new_page()
    staff.on("dialog", lambda dialog: dialog.accept())
    sign_in(staff, web_server, "J100")
    _english(staff)
    staff.goto(f"{web_server.url}/sessions/{session.id}/live")
    room_context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    room = room_context.new_page()
    sign_in(room, web_server, "J100")
    _english(room)
    room.goto(f"{web_server.url}/sessions/{session.id}/projector")
    context, a = join_exam(browser, web_server, "S000", session.join_code)
    _english(a)
    a.wait_for_selector("text=Waiting for the invigilator")
    room.wait_for_function("() => document.getElementById('joined-count').textContent === '1'")
    assert room.locator(".projector-joined h2").text_content().split()[0] == "Joined"
    screenshot(room, "en-projector-lobby", full_page=False)
    screenshot(a, "en-exam-lobby")

    staff.wait_for_function("() => document.getElementById('connected-count').textContent === '1'")
    staff.get_by_role("button", name="Start the exam").click()
    staff.get_by_role("button", name="Next question").click()
    room.wait_for_selector("#question-stem >> text=存款保险保护存款人")  # a short true/false question
    a.wait_for_selector("text=存款保险保护存款人")
    assert "True/false" in room.locator("#question-head").text_content()
    for name, (width, height) in SCREENS.items():
        room.set_viewport_size({"width": width, "height": height})
        options = room.evaluate(FILL, "#question-options")
        assert options["scroll"] <= 0, name
        assert options["width"] > 0.85 and options["bottom"] > 0.6, (name, options)  # no empty lower half
        screenshot(room, f"en-projector-question-{name}", full_page=False)
    room.set_viewport_size({"width": 1920, "height": 1080})
    screenshot(a, "en-exam-question")

    a.locator("button.option", has_text="True").first.click()
    a.wait_for_selector("#feedback-rank")
    assert a.locator("#feedback-rank").text_content() == "Rank 1 of 1 present"
    screenshot(a, "en-exam-feedback")
    room.wait_for_selector("#question-options.with-bars")
    screenshot(room, "en-projector-distribution", full_page=False)

    staff.get_by_role("button", name="End exam").click()
    a.wait_for_selector("#summary")
    assert a.locator("#final-rank").text_content() == "Rank 1 of 1 present"
    screenshot(a, "en-exam-end")
    room.wait_for_selector("#ranking")
    for name, (width, height) in SCREENS.items():
        room.set_viewport_size({"width": width, "height": height})
        assert room.evaluate(FILL, "#ranking")["scroll"] <= 0, name
        screenshot(room, f"en-projector-end-{name}", full_page=False)
    a.get_by_role("link", name="Your answers, score sheet and certificate").click()
    a.wait_for_load_state()
    assert a.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    screenshot(a, "en-exam-results")
    for each in (context, staff_context, room_context):
        each.close()
