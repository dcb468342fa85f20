# SPDX-License-Identifier: Apache-2.0
# Boot time bars (tools/bench/boot.py). Variables: datafile, outfile, plottitle.
# datafile rows: "label" first_median first_p90 exit_median exit_p90 (ms)
set terminal pngcairo size 1000,560 font "sans,11" noenhanced
set output outfile
set title plottitle
set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 10
set yrange [10:*]
set ylabel "milliseconds (log scale)"
set grid ytics mytics
set key top left
set xtics nomirror
set ytics nomirror
plot datafile using 2:2:3:xtic(1) title "process start to first serial line" lc rgb "#4a7ab8", \
     '' using 4:4:5 title "process start to exit after power-off" lc rgb "#d98c2b", \
     '' using 0:($3*1.2):(sprintf("%.0f", $2)) with labels offset -2.5,0 notitle, \
     '' using 0:($5*1.2):(sprintf("%.0f", $4)) with labels offset 2.5,0 notitle
