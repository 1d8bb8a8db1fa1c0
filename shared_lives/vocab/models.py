"""Controlled vocabularies both sides of a match use: interests, skills and needs, languages, faiths."""

from sqlmodel import Field, SQLModel, UniqueConstraint

VOCABULARY_KINDS = {
    "interest": "Interests",
    "need": "Needs and skills",
    "language": "Languages",
    "faith": "Faiths",
    "pet": "Pets",
}


class VocabularyTerm(SQLModel, table=True):
    """One term of one vocabulary, e.g. kind 'interest', code 'gardening', label 'Gardening'."""

    __tablename__ = "vocabulary_term"
    __table_args__ = (UniqueConstraint("kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    code: str = Field(max_length=60)
    label: str = Field(max_length=120)
