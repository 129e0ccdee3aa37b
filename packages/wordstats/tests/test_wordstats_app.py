"""The Streamlit app, run by Streamlit's testing harness (the extra "app")."""

from importlib.resources import files

from streamlit.testing.v1 import AppTest


def test_app_shows_the_statistics_of_the_text() -> None:
    app = AppTest.from_file(str(files("wordstats") / "app.py"), default_timeout=30).run()
    assert not app.exception
    assert app.title[0].value == "wordstats"
    app.text_area[0].input("One two. Three four five!").run()
    assert not app.exception
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Words"] == "5"
    assert metrics["Sentences"] == "2"
