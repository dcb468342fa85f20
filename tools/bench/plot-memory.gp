# SPDX-License-Identifier: Apache-2.0
# VMM memory overhead bars (tools/bench/boot.py).
# Variables: datafile, outfile, plottitle, fcmib (Firecracker's published figure).
# datafile rows: "label" rss_mib pss_mib private_mib
set terminal pngcairo size 1000,560 font "sans,11" noenhanced
set output outfile
set title plottitle
set style data histogram
set style histogram clustered gap 2
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "MiB"
set grid ytics
set key top left
set xtics nomirror
set ytics nomirror
set arrow from graph 0, first fcmib to graph 1, first fcmib nohead dt 2 lw 2 lc rgb "#b03030"
set label sprintf("Firecracker, published: %g MiB", fcmib) at graph 0.01, first fcmib left offset 0.5,0.8 tc rgb "#b03030"
plot datafile using 2:xtic(1) title "RSS overhead" lc rgb "#4a7ab8", \
     '' using 3 title "PSS overhead" lc rgb "#6aa84f", \
     '' using 4 title "private overhead" lc rgb "#d98c2b", \
     '' using ($0-0.3):($2):(sprintf("%.1f", $2)) with labels offset 0,0.7 notitle, \
     '' using ($0):($3):(sprintf("%.1f", $3)) with labels offset 0,0.7 notitle, \
     '' using ($0+0.3):($4):(sprintf("%.1f", $4)) with labels offset 0,0.7 notitle
