"""The teacher's page: only for teachers; every student's job listed and stoppable there."""
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from apptest_helpers import APP, rerun_until
from genlib.runs.store import user_runs_dir

TOKEN = "teacher-token-for-tests"


def app() -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=180)


def test_a_student_cannot_open_the_teachers_page(monkeypatch):
    monkeypatch.setenv("GENLIB_TEACHER_TOKEN", TOKEN)
    student = app()
    student.query_params["teacher"] = "a-guess"  # a wrong token makes no teacher
    student.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in a student's navigation
        student.switch_page("app_pages/teacher.py")
    # and the page itself refuses whoever reaches it without being a teacher
    direct = AppTest.from_file(str(APP.parent / "app_pages" / "teacher.py"), default_timeout=180).run()
    assert [e.value for e in direct.error][0].startswith("This page is for teachers only.")
    assert not direct.dataframe and not [b for b in direct.button if b.key and b.key.startswith("teacher_")]


def test_the_teacher_sees_every_students_job_and_stops_one(monkeypatch):
    monkeypatch.setenv("GENLIB_TEACHER_TOKEN", TOKEN)
    student = app().run()
    student.switch_page("app_pages/gan.py").run()
    student.number_input(key="gan_form_epochs").set_value(50)
    student.selectbox(key="gan_form_size").set_value("2,000")
    student.text_input(key="gan_form_name").set_value("zz-students-job")
    next(b for b in student.button if b.label == "Train").click().run()
    assert not student.error, [e.value for e in student.error]
    teacher = app()
    teacher.query_params["teacher"] = TOKEN
    teacher.run()
    try:
        assert "teacher" not in teacher.query_params  # the token leaves the address bar once read
        teacher.switch_page("app_pages/teacher.py").run()
        assert not teacher.error and not teacher.exception
        rows = teacher.dataframe[0].value
        mine = rows[rows["run"] == "zz-students-job"]
        assert list(mine["who"]) == [student.session_state["owner"]] and list(mine["kind"]) == ["gan"]
        stop = next(b for b in teacher.button if b.key.startswith("teacher_stop_") and "zz-students-job" in b.label)
        stop.click().run()
        rerun_until(student, lambda at: at.warning and "Stopped" in at.warning[0].value, timeout_s=120)
        teacher.run()
        rows = teacher.dataframe[0].value
        assert list(rows[rows["run"] == "zz-students-job"]["status"]) == ["stopped"]
    finally:
        shutil.rmtree(user_runs_dir() / "zz-students-job", ignore_errors=True)
