"""The Streamlit app: ``packyard app wordstats`` (needs ``pip install 'wordstats[app]'``).

Streamlit runs this file as a script, so it imports the package absolutely.
"""

import streamlit as st

from wordstats import analyze, sample, sample_names, top_words

st.set_page_config(page_title="wordstats", layout="centered")
st.title("wordstats")
choice = st.selectbox("Start from a sample", sample_names())
text = st.text_area("Text", value=sample(choice), height=200)
stats = analyze(text)
left, middle, right = st.columns(3)
left.metric("Words", stats.words)
middle.metric("Sentences", stats.sentences)
right.metric("Reading time (min)", stats.reading_minutes)
count = st.slider("Most frequent words", min_value=1, max_value=25, value=10)
st.table([{"word": word, "count": times} for word, times in top_words(text, count)])
