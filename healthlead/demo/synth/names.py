"""Names for synthetic people: common given names and surnames in England, from many heritages.

Chosen uniformly, so no name says anything about a person's ethnicity in the generated data. Given
names are split into two lists only so that a person's name agrees with the sex the generator
draws for them (kept only as an equality answer, which most but not all people give).
"""

from __future__ import annotations

import unicodedata
from functools import cache


def _words(text: str) -> list[str]:
    """The distinct words of text, in order."""
    return list(dict.fromkeys(text.split()))


FEMALE = _words(
    """
Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Florence Emily Ella
Poppy Evie Elsie Charlotte Evelyn Sienna Sofia Daisy Phoebe Harper Alice Matilda Ruby Emilia
Sarah Emma Claire Laura Rachel Rebecca Hannah Helen Joanne Nicola Michelle Karen Lisa Susan
Julie Amanda Deborah Jennifer Catherine Elizabeth Margaret Patricia Linda Gillian Samantha
Kirsty Natalie Gemma Jodie Danielle Leanne Stacey Chloe Jade Megan Holly Bethany Lauren Abigail
Aisha Fatima Maryam Zainab Amira Noor Hafsa Khadija Ayesha Sana Priya Anjali Deepa Kavita Sunita
Meera Pooja Neha Asha Shreya Grace Mercy Blessing Chioma Ngozi Adaeze Abena Ama Folake Yetunde
Wei Mei Xin Ying Hui Min Anh Linh Thi Maria Ana Joana Ines Sofia Marta Agnieszka Katarzyna
Magdalena Joanna Anna Ewa Ioana Elena Andreea Mariana Lucia Chiara Giulia Elif Zeynep Niamh
Siobhan Aoife Ciara Roisin Caitlin Sian Ffion Cerys Eilidh Mairi Rhian Bronwen Esther Ruth
Naomi Leah Miriam Tamar Joy Precious Faith Gloria Rosemarie Maricel Jocelyn Cristina Analyn
"""
)

MALE = _words(
    """
Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie
Theo Alfie Jacob Thomas Finley Arlo William Lucas Roman Tommy Isaac Teddy Alexander Luca Edward
James Tobias Joshua Ethan Samuel Daniel Benjamin Joseph David Michael Christopher Matthew Andrew
Mark Paul Steven Richard Robert John Stephen Simon Peter Neil Gary Craig Darren Wayne Lee Jason
Adam Ryan Liam Connor Jordan Callum Kieran Ahmed Ali Hassan Omar Yusuf Ibrahim Bilal Hamza Imran
Tariq Zain Arjun Rahul Vikram Sanjay Rajesh Amit Anil Ravi Sunil Dev Rohan Kwame Kofi Kwaku
Emeka Chinedu Oluwaseun Tunde Femi Babajide Obinna Samuel Wei Jun Hao Ming Minh Duc Tuan Jose
Joao Miguel Pedro Rui Piotr Tomasz Krzysztof Pawel Marcin Andrei Mihai Alexandru Marco Luca
Giovanni Mehmet Mustafa Emre Sean Ciaran Declan Padraig Rhys Dafydd Gareth Owain Iwan Hamish
Fraser Ewan Angus Jonah Reuben Elijah Nathaniel Emmanuel Joel Raymond Mark Jerome Ronaldo
Rodel Jericho
"""
)

SURNAMES = _words(
    """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner
Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott
Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter
Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson
Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain
Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher
Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard
Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole
Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant
Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr
Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter
Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson
Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls
Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman
Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston
Gordon Doyle Wallace George Jordan Hutchinson Rahman Chowdhury Islam Miah Uddin Mahmood Iqbal
Akhtar Qureshi Malik Sharma Kumar Gupta Mistry Parmar Chauhan Joshi Mehta Desai Rao Nair Pillai
Menon Okafor Okonkwo Adeyemi Adebayo Ogunleye Mensah Owusu Boateng Asante Osei Nwosu Eze
Abubakar Mohamed Abdi Hassan Chen Wang Li Zhang Liu Wong Chan Nguyen Tran Pham Santos Reyes Cruz
Garcia Fernandes Silva Costa Pereira Rodrigues Nowak Kowalski Wisniewski Kaminski
Lewandowski Popescu Ionescu Rossi Russo Ferrari Yilmaz Kaya Demir Cohen Levy Friedman Jensen
Hansen Murphy Gallagher Quinn McLaughlin Kavanagh Flanagan
"""
)


@cache
def plain(name: str) -> str:
    """A name as it goes into an email address: ASCII letters and digits, lower case."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_name.lower() if ch.isalnum())
